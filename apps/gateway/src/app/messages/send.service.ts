import { Inject, Injectable } from '@nestjs/common';
import { BatchingProducer, injectTraceHeaders } from '@wabridge/kafka';
import { endSpanWithError, metricsRegistry, SpanKind, startSpan, traced, type Span } from '@wabridge/observability';
import { PinoLogger } from 'nestjs-pino';
import { Counter } from 'prom-client';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { GATEWAY_PRODUCER } from '../infra/infra.module';
import { GraphApiClient, type UpstreamResult } from '../graph/graph-api.client';
import { outboundEventFor, type JsonObject } from './outbound-event';

export type SendRoute = 'cloud' | 'on_premise' | 'graph';

const sends = new Counter({
  name: 'wabridge_gateway_sends_total',
  help: 'Partner sends by route and outcome (accepted, rejected by Meta, upstream unreachable or timed out)',
  labelNames: ['route', 'outcome'],
  registers: [metricsRegistry],
});

const outboundLost = new Counter({
  name: 'wabridge_gateway_outbound_publish_failures_total',
  help: 'Sends Meta accepted whose whatsapp.outbound.v1 event Kafka did not acknowledge',
  registers: [metricsRegistry],
});

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Forwards a send to the Graph API and, when Meta accepted it, publishes its outbound event. */
@Injectable()
export class SendService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_PRODUCER) private readonly producer: BatchingProducer,
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
      const publish: Span | undefined = startSpan(`${this.config.topics.outbound} publish`, {
        kind: SpanKind.PRODUCER,
        attributes: { 'messaging.system': 'kafka', 'messaging.operation.type': 'send', 'messaging.destination.name': this.config.topics.outbound },
      });
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      injectTraceHeaders(headers, publish);
      try {
        await this.producer.send(this.config.topics.outbound, [{ key: channel.phoneNumberId, value: JSON.stringify(event), headers }]);
        publish?.end();
      } catch (error) {
        endSpanWithError(publish, error);
        // Meta has already accepted the message: answering an error now would make the partner retry
        // and the end user receive it twice. A lost event costs a template count, which the operator
        // can rebuild from this log line (and the priced status webhooks still arrive), so the send
        // is answered as Meta answered it.
        outboundLost.inc();
        this.logger.error(
          { wamid: event.wamid, channel_id: channel.channelId, err: error },
          'outbound event not published for an accepted send',
        );
      }
    }
    return result;
  }

  async healthStatus(channel: PartnerChannel): Promise<UpstreamResult> {
    return this.graph.call('GET', `${this.graph.path(channel.phoneNumberId)}?fields=health_status`);
  }
}
