import { Injectable } from '@nestjs/common';
import { injectTraceHeaders } from '@wabridge/kafka';
import { endSpanWithError, metricsRegistry, SpanKind, startSpan, traced, type Span } from '@wabridge/observability';
import { PinoLogger } from 'nestjs-pino';
import { Counter } from 'prom-client';
import type { JsonObject } from '@wabridge/util';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { GraphApiClient, type UpstreamResult } from '../graph/graph-api.client';
import { outboundEventFor } from './outbound-event';
import { OutboundPublisher } from './outbound-publisher.service';

export type SendRoute = 'cloud' | 'on_premise' | 'graph';

const sends = new Counter({
  name: 'wabridge_gateway_sends_total',
  help: 'Partner sends by route and outcome (accepted, rejected by Meta, upstream unreachable or timed out)',
  labelNames: ['route', 'outcome'],
  registers: [metricsRegistry],
});

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Forwards a send to the Graph API and, when Meta accepted it, publishes its outbound event (or keeps it in the outbox). */
@Injectable()
export class SendService {
  constructor(
    private readonly publisher: OutboundPublisher,
    private readonly graph: GraphApiClient,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(SendService.name);
  }

  /** `body` is forwarded byte for byte; `request` is its parsed form, read for the outbound event only. */
  send(channel: PartnerChannel, route: SendRoute, request: JsonObject, body: Buffer): Promise<UpstreamResult> {
    return traced(
      'send message',
      { kind: SpanKind.SERVER, attributes: { 'wabridge.send_route': route, 'wabridge.channel_id': channel.channelId } },
      async (span) => {
        const result = await this.forward(channel, route, request, body);
        span?.setAttribute('wabridge.outcome', result.kind === 'response' ? String(result.status) : result.kind);
        return result;
      },
    );
  }

  private async forward(channel: PartnerChannel, route: SendRoute, request: JsonObject, body: Buffer): Promise<UpstreamResult> {
    const result = await this.graph.call('POST', this.graph.path(channel.phoneNumberId, 'messages'), body);
    if (result.kind !== 'response') {
      sends.inc({ route, outcome: result.kind });
      this.logger.warn({ channel_id: channel.channelId, outcome: result.kind }, 'Graph API send failed');
      return result;
    }
    if (result.status < 200 || result.status >= 300) {
      sends.inc({ route, outcome: 'rejected' });
      return result;
    }
    sends.inc({ route, outcome: 'accepted' });
    const event = outboundEventFor(request, parseJson(result.body), channel, new Date());
    if (event) {
      const publish: Span | undefined = startSpan(`${this.publisher.topic} publish`, {
        kind: SpanKind.PRODUCER,
        attributes: { 'messaging.system': 'kafka', 'messaging.operation.type': 'send', 'messaging.destination.name': this.publisher.topic },
      });
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      injectTraceHeaders(headers, publish);
      // never fails the send: Meta has accepted it, and the event is kept in the outbox if Kafka is down
      const outcome = await this.publisher.publish(event, headers);
      if (outcome === 'published') publish?.end();
      else endSpanWithError(publish, new Error(`outbound event ${outcome}`));
    }
    return result;
  }

  async healthStatus(channel: PartnerChannel): Promise<UpstreamResult> {
    return this.graph.call('GET', `${this.graph.path(channel.phoneNumberId)}?fields=health_status`);
  }
}
