import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { OutboundEvent } from '@wabridge/contracts';
import { BatchingProducer, type OutgoingRecord } from '@wabridge/kafka';
import { metricsRegistry } from '@wabridge/observability';
import { PinoLogger } from 'nestjs-pino';
import { Counter, Gauge } from 'prom-client';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { GATEWAY_PRODUCER } from '../infra/infra.module';
import { OutboxRepository, type OutboxRow } from './outbox.repository';

const publishFailures = new Counter({
  name: 'wabridge_gateway_outbound_publish_failures_total',
  help: 'Sends Meta accepted whose whatsapp.outbound.v1 event Kafka did not acknowledge in time (kept in the outbox instead, or lost)',
  registers: [metricsRegistry],
});

const outboxKept = new Counter({
  name: 'wabridge_gateway_outbox_kept_total',
  help: 'whatsapp.outbound.v1 events written to the PostgreSQL outbox (Kafka did not acknowledge, or the number already had events waiting there)',
  registers: [metricsRegistry],
});

const outboxRelayed = new Counter({
  name: 'wabridge_gateway_outbox_relayed_total',
  help: 'whatsapp.outbound.v1 events published from the outbox once Kafka acknowledged them',
  registers: [metricsRegistry],
});

const outboxDepth = new Gauge({
  name: 'wabridge_gateway_outbox_depth',
  help: "whatsapp.outbound.v1 events waiting in the outbox, as of the relay's last look",
  registers: [metricsRegistry],
});

const outboundLost = new Counter({
  name: 'wabridge_gateway_outbound_lost_total',
  help: 'Accepted sends whose whatsapp.outbound.v1 event neither Kafka nor the outbox kept: a template send not metered (the log line has what to rebuild it from)',
  registers: [metricsRegistry],
});

const RELAY_BATCH = 500;

function eventOf(row: OutboxRow): OutboundEvent {
  return {
    wamid: row.wamid,
    phone_number_id: row.phone_number_id,
    channel_id: row.channel_id,
    client_id: row.client_id,
    type: row.type,
    ...(row.template_name !== null ? { template: { name: row.template_name, language: row.template_language ?? '' } } : {}),
    accepted_at: row.accepted_at.toISOString(),
  };
}

export function outboundRecord(event: OutboundEvent, headers: Record<string, string> = { 'content-type': 'application/json' }): OutgoingRecord {
  return { key: event.phone_number_id, value: JSON.stringify(event), headers };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Publishes the whatsapp.outbound.v1 event of every send Meta accepted, and loses none while Kafka is
 * down: an event Kafka does not acknowledge within the publish timeout goes to the PostgreSQL outbox,
 * which a relay publishes (in id order, so in order per number) once Kafka is back, then deletes.
 * While a number has events waiting there, its new events queue behind them. A relay that published
 * but could not delete publishes again: metering counts once per wamid, so the effect is exactly once.
 * Only when PostgreSQL refuses too is an event lost, and then a metric and a log line say which.
 */

/** The least time an outbox write is given before the send's count is given up (see keep()). */
const OUTBOX_WRITE_TIMEOUT_MS = 5000;
@Injectable()
export class OutboundPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  /** numbers with events in the outbox, as of the relay's last look (refreshed on every instance) */
  private waiting = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private relaying: Promise<void> = Promise.resolve();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_PRODUCER) private readonly producer: BatchingProducer,
    private readonly outbox: OutboxRepository,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(OutboundPublisher.name);
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.relaying;
  }

  get topic(): string {
    return this.config.topics.outbound;
  }

  /**
   * Never throws: the partner is answered as Meta answered whatever happens here. Answers where the
   * event went: to Kafka, to the outbox, or nowhere (lost, said in a metric and a log line).
   */
  async publish(event: OutboundEvent, headers?: Record<string, string>): Promise<'published' | 'kept' | 'lost'> {
    const queued = this.waiting.has(event.phone_number_id);
    if (!queued) {
      try {
        await this.producer.send(this.config.topics.outbound, [outboundRecord(event, headers)]);
        return 'published';
      } catch (error) {
        publishFailures.inc();
        this.logger.warn(
          { wamid: event.wamid, channel_id: event.channel_id, err: error },
          'Kafka did not acknowledge an outbound event: keeping it in the outbox',
        );
      }
    }
    const kept = await this.keep(event);
    if (kept === 'kept' || !queued) return kept === 'kept' ? 'kept' : this.lost(event, kept.error);
    // queued behind its number's events but the outbox refused it: Kafka was not tried, and an event out of
    // order on whatsapp.outbound.v1 is better than a send never metered (docs/security.md)
    try {
      await this.producer.send(this.config.topics.outbound, [outboundRecord(event, headers)]);
      this.logger.warn(
        { wamid: event.wamid, channel_id: event.channel_id },
        "the outbox refused an outbound event; published it to Kafka ahead of its number's waiting events",
      );
      return 'published';
    } catch {
      return this.lost(event, kept.error);
    }
  }

  private async keep(event: OutboundEvent): Promise<'kept' | { error: unknown }> {
    try {
      await withTimeout(
        this.outbox.keep(event),
        // the partner is only kept waiting this long while Kafka is down; a loaded database needs more than the
        // publish timeout, and a write given up on here is a send never metered
        Math.max(this.config.publishTimeoutMs, OUTBOX_WRITE_TIMEOUT_MS),
      );
      outboxKept.inc();
      this.waiting.add(event.phone_number_id);
      return 'kept';
    } catch (error) {
      return { error };
    }
  }

  private lost(event: OutboundEvent, error: unknown): 'lost' {
    // Meta has already accepted the message: answering an error now would make the partner send it
    // again. The send is answered as Meta answered it; what is lost is its count, so the line
    // carries everything the event had (no recipient, no content) for the operator to rebuild it.
    outboundLost.inc();
    this.logger.error(
      {
        wamid: event.wamid,
        channel_id: event.channel_id,
        client_id: event.client_id,
        type: event.type,
        template: event.template,
        accepted_at: event.accepted_at,
        err: error,
      },
      'outbound event lost: neither Kafka nor the PostgreSQL outbox kept it, this send is not metered',
    );
    return 'lost';
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.relaying = this.relay()
        .then((more) => this.schedule(more ? 0 : this.config.outboxRelayIntervalMs))
        .catch((error: unknown) => {
          this.logger.warn({ err: error }, 'outbox relay failed, trying again');
          this.schedule(this.config.outboxRelayIntervalMs);
        });
    }, delayMs);
  }

  /** One batch, oldest first; answers whether a full batch went (there may be more). */
  private async relay(): Promise<boolean> {
    const waiting = await this.outbox.waitingByNumber();
    this.waiting = new Set(waiting.map((row) => row.phone_number_id));
    outboxDepth.set(waiting.reduce((sum, row) => sum + row.n, 0));
    if (waiting.length === 0) return false;
    const sent = await this.outbox.relayOldest(RELAY_BATCH, (rows) =>
      this.producer.send(
        this.config.topics.outbound,
        rows.map((row) => outboundRecord(eventOf(row))),
      ),
    );
    if (sent > 0) {
      outboxRelayed.inc(sent);
      this.logger.info({ events: sent }, 'outbox events published');
    }
    return sent === RELAY_BATCH;
  }
}
