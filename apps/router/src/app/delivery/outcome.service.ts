import { Inject, Injectable } from '@nestjs/common';
import type { DeliveryErrorClass, DeliveryState, TopicNames } from '@wabridge/contracts';
import type { OutgoingRecord } from '@wabridge/kafka';
import { PinoLogger } from 'nestjs-pino';
import { ROUTER_CONFIG } from '../../config/router.config';
import type { BoundChannel } from '../bindings/binding.repository';
import { outcomesDropped } from '../metrics/router-metrics';
import type { InboundEvent, RetryScope } from '../records/event-records';
import { ROUTER_PRODUCER } from '../router.tokens';
import { attemptEvent, deliveryRowDestination, needsDeliveryRow } from './delivery-outcome';
import { DeliveryRepository } from './delivery.repository';

export interface DeliveryLogger {
  setContext(context: string): void;
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RecordProducer {
  send(topic: string, records: OutgoingRecord[]): Promise<void>;
}

/** Who an attempt (or a kept-for-later event) is for. */
export interface Target {
  channel: BoundChannel | null;
  slot: string;
  destinationId: string | null;
  scope: RetryScope;
}

/** One try of an event towards one target: what it is reported as. */
export interface ReportedTry {
  event: InboundEvent;
  target: Target;
  attempt: number;
}

export interface Outcome {
  state: DeliveryState;
  statusCode: number | null;
  errorClass: DeliveryErrorClass | null;
  latencyMs: number;
  nextAttemptAt: Date | null;
}

/** partner.deliveries.v1 records sent but not yet acknowledged before attempts wait for them */
const MAX_PENDING_OUTCOMES = 5000;

export const errorFields = (error: unknown) => ({ err: { type: (error as Error)?.name, message: (error as Error)?.message } });

/** The number a record is keyed and reported by: the channel's, else the event's, else its key. */
export function phoneOf(event: InboundEvent, channel: BoundChannel | null): string {
  return channel?.phoneNumberId ?? event.phoneNumberId ?? event.key;
}

/**
 * Tells partners and operators what became of an attempt: its partner.deliveries.v1 record and, when
 * worth it, its Postgres row. Both are visibility, not part of the delivery guarantee.
 */
@Injectable()
export class OutcomeService {
  private readonly pendingOutcomes = new Set<Promise<void>>();

  constructor(
    @Inject(ROUTER_CONFIG) private readonly config: { topics: Pick<TopicNames, 'deliveries'> },
    @Inject(ROUTER_PRODUCER) private readonly producer: RecordProducer,
    @Inject(DeliveryRepository) private readonly store: Pick<DeliveryRepository, 'record'>,
    @Inject(PinoLogger) private readonly logger: DeliveryLogger,
  ) {
    logger.setContext(OutcomeService.name);
  }

  /** Losing the record or the row must not block the event, so failures are logged, not thrown. */
  async report({ event, target, attempt }: ReportedTry, now: Date, outcome: Outcome): Promise<void> {
    const phoneNumberId = phoneOf(event, target.channel);
    const channelId = target.channel?.id ?? null;
    const ids = { event_id: event.eventId, channel_id: channelId, destination: target.slot };
    const record = attemptEvent({
      eventId: event.eventId,
      phoneNumberId,
      channelId,
      destinationId: target.destinationId,
      slot: target.slot,
      attempt,
      statusCode: outcome.statusCode,
      errorClass: outcome.errorClass,
      latencyMs: outcome.latencyMs,
      state: outcome.state,
      nextAttemptAt: outcome.nextAttemptAt,
      attemptedAt: now,
    });
    const writes: Promise<void>[] = [this.publishOutcome(phoneNumberId, JSON.stringify(record), ids)];
    if (needsDeliveryRow(outcome.state, attempt)) {
      writes.push(
        this.store
          .record({
            eventId: event.eventId,
            destination: deliveryRowDestination(target.slot, event.phoneNumberId === null, phoneNumberId),
            phoneNumberId,
            channelId,
            state: outcome.state,
            attempts: attempt,
            lastStatusCode: outcome.statusCode,
            lastError: outcome.errorClass,
            lastLatencyMs: outcome.latencyMs > 0 ? Math.round(outcome.latencyMs) : null,
            nextAttemptAt: outcome.nextAttemptAt,
            receivedAt: event.receivedAt,
            updatedAt: now,
          })
          .catch((error: unknown) => this.logger.warn({ ...ids, ...errorFields(error) }, 'could not record delivery state')),
      );
    }
    await Promise.all(writes);
    this.logger.debug({ ...ids, attempt, state: outcome.state, error_class: outcome.errorClass }, 'delivery attempt');
  }

  /** Waits for the outcome records still unacknowledged (before the producer disconnects). */
  async flushOutcomes(timeoutMs = 10_000): Promise<void> {
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([Promise.allSettled([...this.pendingOutcomes]), deadline]);
  }

  /**
   * The attempt's partner.deliveries.v1 record leaves the event's critical path: the event is resolved
   * without waiting for its acknowledgement, so a slow broker acknowledgement never holds a
   * partition's next fetch. Past MAX_PENDING_OUTCOMES unacknowledged records, callers wait again:
   * memory stays bounded while Kafka is slow. Best-effort: a record Kafka does not acknowledge is
   * counted (wabridge_router_delivery_outcomes_dropped_total) and logged, not kept elsewhere
   * (docs/security.md).
   */
  private publishOutcome(key: string, value: string, ids: object): Promise<void> {
    const sent = this.producer
      .send(this.config.topics.deliveries, [{ key, value }])
      .catch((error: unknown) => {
        outcomesDropped.inc();
        this.logger.warn({ ...ids, ...errorFields(error) }, 'could not publish delivery outcome');
      })
      .finally(() => this.pendingOutcomes.delete(sent));
    this.pendingOutcomes.add(sent);
    return this.pendingOutcomes.size > MAX_PENDING_OUTCOMES ? sent : Promise.resolve();
  }
}
