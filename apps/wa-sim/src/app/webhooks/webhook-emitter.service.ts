import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { toMetaJsonBytes } from '@wabridge/contracts';
import { metricsRegistry } from '@wabridge/observability';
import { PinoLogger } from 'nestjs-pino';
import { Counter } from 'prom-client';
import { Agent, request } from 'undici';
import { WA_SIM_CONFIG, type WaSimConfig } from '../../config/wa-sim.config';
import { BusinessNumbersService } from '../graph/business-numbers.service';
import { statusWebhook, type StatusName } from '../graph/meta-payloads';
import { signedWebhookHeaders } from './signed-webhook';

const emitted = new Counter({
  name: 'wa_sim_webhooks_total',
  help: 'Simulated webhooks POSTed to ingress, by kind and outcome',
  labelNames: ['kind', 'outcome'],
  registers: [metricsRegistry],
});

export type WebhookKind = 'inbound' | 'status' | 'custom';

export class IngressUnreachableError extends Error {
  constructor(cause: unknown) {
    // the error code only: socket messages carry addresses, which stay out of logs and answers
    super(`ingress unreachable (${(cause as { code?: string })?.code ?? (cause as Error)?.name ?? 'error'})`);
    this.name = 'IngressUnreachableError';
  }
}

const INGRESS_TIMEOUT_MS = 10000;
const STATUS_SEQUENCE: readonly StatusName[] = ['sent', 'delivered', 'read'];

/** Signs webhooks like Meta and POSTs them to ingress; also plays the status lifecycle of a sent message. */
@Injectable()
export class WebhookEmitterService implements OnApplicationShutdown {
  private readonly agent = new Agent({
    connections: 64,
    keepAliveTimeout: 10000,
    headersTimeout: INGRESS_TIMEOUT_MS,
    bodyTimeout: INGRESS_TIMEOUT_MS,
  });
  constructor(
    @Inject(WA_SIM_CONFIG) private readonly config: WaSimConfig,
    /** display numbers and WABA ids, so statuses name the same business number as inbound messages */
    private readonly numbers: BusinessNumbersService,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(WebhookEmitterService.name);
  }

  /** POSTs the exact bytes with Meta's signature; resolves with ingress's status code. */
  async post(body: Buffer, kind: WebhookKind): Promise<number> {
    let status: number;
    try {
      const response = await request(this.config.ingressUrl, {
        method: 'POST',
        dispatcher: this.agent,
        headers: signedWebhookHeaders(body, this.config.appSecret),
        body,
      });
      await response.body.dump();
      status = response.statusCode;
    } catch (error) {
      emitted.inc({ kind, outcome: 'unreachable' });
      throw new IngressUnreachableError(error);
    }
    emitted.inc({ kind, outcome: status >= 200 && status < 300 ? 'accepted' : 'refused' });
    return status;
  }

  /**
   * Plays sent → delivered → read for an accepted message, in order and a few ms apart. A failed
   * status is logged and counted, not retried: the simulator is no durable system.
   */
  emitStatuses(phoneNumberId: string, wamid: string, recipient: string, templateName: string | null): void {
    if (!this.config.autoStatuses) return;
    const number = this.numbers.numberFor(phoneNumberId);
    void (async () => {
      for (const status of STATUS_SEQUENCE) {
        await new Promise((resolve) => setTimeout(resolve, this.config.statusDelayMs));
        const body = toMetaJsonBytes(statusWebhook(number, { wamid, status, recipient, templateName }));
        try {
          const code = await this.post(body, 'status');
          if (code < 200 || code >= 300) this.logger.warn({ wamid, status, ingressStatus: code }, 'ingress refused a status webhook');
        } catch (error) {
          this.logger.warn({ wamid, status, err: error }, 'status webhook not delivered');
          return;
        }
      }
    })();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }
}
