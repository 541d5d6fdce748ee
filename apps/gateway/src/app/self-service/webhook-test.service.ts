import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { DeliveryErrorClass } from '@wabridge/contracts';
import { WebhookDestinationEntity } from '@wabridge/persistence';
import { buildDeliveryRequest, deliveryTargetOf, judgeAttempt, type PartnerHttpService } from '@wabridge/webhook-delivery';
import type { DataSource } from 'typeorm';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { GATEWAY_DATA_SOURCE } from '../infra/infra.module';
import { sampleEvent, testEventId } from './sample-event';

export const WEBHOOK_TEST_HTTP = Symbol('WEBHOOK_TEST_HTTP');

/** What a test send answers: what the partner's endpoint did with one sample event. */
export interface WebhookTestAnswer {
  /** the `webhook-id` the sample carried (`evt_test_…`) */
  webhook_id: string;
  /** the endpoint's HTTP status; null when no answer came (see error_class) */
  status_code: number | null;
  latency_ms: number;
  /** null on a 2xx; else why it would count as a failed delivery */
  error_class: DeliveryErrorClass | null;
}

export type TestTarget = { kind: 'primary' } | { kind: 'extra'; name: string };

/**
 * The partner's "does my endpoint work" button: one signed, Meta-shaped sample event sent now to the
 * bound URL, with the router's own request builder, HTTP client and dial-time URL safety (the same
 * timeout, no redirects, the same headers and signatures). Nothing is written to Kafka or Postgres:
 * the sample is not an event of the channel, so it is neither metered nor retried.
 */
@Injectable()
export class WebhookTestService implements OnApplicationShutdown {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(WEBHOOK_TEST_HTTP) private readonly http: PartnerHttpService,
  ) {}

  /** null when nothing is bound under that target (the caller answers 404 in its API's shape). */
  async test(channel: PartnerChannel, target: TestTarget): Promise<WebhookTestAnswer | null> {
    const row = await this.dataSource.getRepository(WebhookDestinationEntity).findOne({
      where: { channelId: channel.channelId, slot: channel.slot, kind: target.kind, name: target.kind === 'primary' ? 'primary' : target.name },
    });
    if (!row) return null;
    const now = new Date();
    const webhookId = testEventId();
    const request = buildDeliveryRequest(webhookId, sampleEvent(channel, row.events, now), deliveryTargetOf(row, this.config.secrets), now);
    const result = await this.http.post(request);
    const verdict = judgeAttempt(result);
    return {
      webhook_id: webhookId,
      status_code: result.kind === 'response' ? result.statusCode : null,
      latency_ms: Math.round(result.latencyMs),
      error_class: verdict.kind === 'failed' ? verdict.errorClass : verdict.kind === 'gone' ? 'http_status' : null,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.http.close();
  }
}
