import type { DeliveryErrorClass, DeliveryState, TopicNames } from '@wabridge/contracts';
import type { OutgoingRecord } from '@wabridge/kafka';
import { PRIMARY_SLOT, type BindingRepository, type BoundChannel, type BoundDestination } from './binding.repository';
import {
  attemptEvent,
  deliveryRowDestination,
  judgeAttempt,
  needsDeliveryRow,
  planRetry,
  type AttemptResult,
} from './delivery-outcome';
import { breakerKey, breakerOutcome, type CircuitBreakers } from './circuit-breaker';
import { buildDeliveryRequest, type DeliveryRequest } from './delivery-request';
import type { DeliveryRepository } from './delivery.repository';
import { deadLetterRecord, retryRecord, type InboundEvent, type RetryScope, type RetryTicket } from './event-records';
import type { RetryPolicy } from './retry-policy';
import {
  attemptSeconds,
  attemptsTotal,
  deadLetters,
  destinationsDisabled,
  endToEndSeconds,
  retriesScheduled,
} from './router-metrics';

export interface DeliveryLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DeliveryDeps {
  topics: Pick<TopicNames, 'deliveries' | 'dead'>;
  /** one topic per retry lane, index = lane */
  retryTopics: readonly string[];
  policy: RetryPolicy;
  bindings: Pick<BindingRepository, 'channelByPhone' | 'channelById' | 'channelsByWaba' | 'destinationsOf' | 'forgetDestinations'>;
  http: { post(request: DeliveryRequest, lane: 'first' | 'retry'): Promise<AttemptResult> };
  store: Pick<DeliveryRepository, 'record' | 'disableDestination'>;
  producer: { send(topic: string, records: OutgoingRecord[]): Promise<void> };
  logger: DeliveryLogger;
  /** per-destination circuit breakers; none = every attempt dials */
  breakers?: CircuitBreakers;
  clock?: () => Date;
  random?: () => number;
}

/** Who an attempt (or a kept-for-later event) is for. */
interface Target {
  channel: BoundChannel | null;
  slot: string;
  destinationId: string | null;
  scope: RetryScope;
}

interface Failure {
  errorClass: DeliveryErrorClass;
  statusCode: number | null;
  retryAfter: string | null;
  latencyMs: number;
}

interface Outcome {
  state: DeliveryState;
  statusCode: number | null;
  errorClass: DeliveryErrorClass | null;
  latencyMs: number;
  nextAttemptAt: Date | null;
}

/** Waits for every task, then fails with the first failure: no task is left running behind a rejection. */
async function settleAll(tasks: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

const errorFields = (error: unknown) => ({ err: { type: (error as Error)?.name, message: (error as Error)?.message } });

/**
 * Decides and performs what happens to an event: resolve the channel's *current* destinations,
 * attempt each, and make every failure durable (a retry-lane record or a dead letter) before the
 * caller may commit the event's offset. A returned promise means "resolved"; a rejection means
 * "could not be made durable, handle the record again".
 */
export class DeliveryService {
  private readonly clock: () => Date;
  private readonly random: () => number;

  constructor(private readonly deps: DeliveryDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.random = deps.random ?? Math.random;
  }

  /** First attempt of a fresh event: every channel and destination it has right now. */
  async deliverFresh(event: InboundEvent, sourceOffset?: string): Promise<void> {
    await this.route(event, 1, null, sourceOffset);
  }

  /** A due retry-lane record. */
  async deliverRetry(ticket: RetryTicket): Promise<void> {
    const { event, attempt } = ticket;
    if (ticket.scope === 'channel') {
      await this.route(event, attempt, ticket.channelId);
      return;
    }
    const channel = ticket.channelId
      ? await this.deps.bindings.channelById(ticket.channelId)
      : event.phoneNumberId
        ? await this.deps.bindings.channelByPhone(event.phoneNumberId)
        : null;
    if (!channel) {
      await this.keep(event, { channel: null, slot: ticket.slot, destinationId: null, scope: 'channel' }, attempt, 'unknown_number');
      return;
    }
    const destinations = await this.deps.bindings.destinationsOf(channel.id);
    const destination = destinations.find((candidate) => candidate.slot === ticket.slot);
    if (!destination) {
      // the slot was unbound (or disabled) meanwhile: keep the event for it, a new binding may come
      await this.keep(event, { channel, slot: ticket.slot, destinationId: null, scope: 'slot' }, attempt, 'no_binding');
      return;
    }
    await this.attempt(event, channel, destination, attempt);
  }

  private async channelsFor(event: InboundEvent, channelId: string | null): Promise<BoundChannel[]> {
    const { bindings } = this.deps;
    if (channelId) {
      const channel = await bindings.channelById(channelId);
      if (channel) return [channel];
    }
    if (event.phoneNumberId) {
      const channel = await bindings.channelByPhone(event.phoneNumberId);
      return channel ? [channel] : [];
    }
    return event.wabaId ? bindings.channelsByWaba(event.wabaId) : [];
  }

  private async route(event: InboundEvent, attempt: number, channelId: string | null, sourceOffset?: string): Promise<void> {
    const channels = await this.channelsFor(event, channelId);
    if (channels.length === 0) {
      const target: Target = { channel: null, slot: PRIMARY_SLOT, destinationId: null, scope: 'channel' };
      await this.keep(event, target, attempt, 'unknown_number', sourceOffset);
      return;
    }
    await settleAll(
      channels.map(async (channel) => {
        const destinations = await this.deps.bindings.destinationsOf(channel.id);
        if (destinations.length === 0) {
          const target: Target = { channel, slot: PRIMARY_SLOT, destinationId: null, scope: 'channel' };
          await this.keep(event, target, attempt, 'no_binding', sourceOffset);
          return;
        }
        await settleAll(destinations.map((destination) => this.attempt(event, channel, destination, attempt, sourceOffset)));
      }),
    );
  }

  /** An event that could not be attempted (nothing bound, unknown number): kept on the retry lanes. */
  private keep(
    event: InboundEvent,
    target: Target,
    attempt: number,
    reason: 'no_binding' | 'unknown_number',
    sourceOffset?: string,
  ): Promise<void> {
    return this.fail(event, target, attempt, { errorClass: reason, statusCode: null, retryAfter: null, latencyMs: 0 }, sourceOffset);
  }

  private async attempt(
    event: InboundEvent,
    channel: BoundChannel,
    destination: BoundDestination,
    attempt: number,
    sourceOffset?: string,
  ): Promise<void> {
    const lane = attempt === 1 ? 'first' : 'retry';
    const target: Target = { channel, slot: destination.slot, destinationId: destination.id, scope: 'slot' };
    const { breakers } = this.deps;
    const key = breakerKey(destination);
    const admission = breakers?.admit(key, this.clock().getTime(), attempt === 1) ?? { dial: true, probe: false };
    if (!admission.dial) {
      // the destination is known to be down: no dial, no waiting on a timeout, straight to the retry lane
      await this.fail(event, target, attempt, { errorClass: 'circuit_open', statusCode: null, retryAfter: null, latencyMs: 0 }, sourceOffset);
      return;
    }
    let result: AttemptResult;
    try {
      result = await this.deps.http.post(buildDeliveryRequest(event.eventId, event.value, destination, this.clock()), lane);
    } catch (error) {
      // a probe that never produced a result must not leave the breaker waiting on it
      breakers?.record(key, this.clock().getTime(), 'neutral', admission);
      throw error;
    }
    if (result.kind === 'response') attemptSeconds.observe({ lane }, result.latencyMs / 1000);
    const verdict = judgeAttempt(result);
    breakers?.record(key, this.clock().getTime(), breakerOutcome(verdict), admission);
    switch (verdict.kind) {
      case 'delivered': {
        const now = this.clock();
        attemptsTotal.inc({ lane, state: 'delivered', error_class: 'none' });
        endToEndSeconds.observe({ lane }, Math.max(0, now.getTime() - event.receivedAt.getTime()) / 1000);
        await this.report(event, target, attempt, now, {
          state: 'delivered',
          statusCode: verdict.statusCode,
          errorClass: null,
          latencyMs: result.latencyMs,
          nextAttemptAt: null,
        });
        return;
      }
      case 'gone': {
        await this.disable(event, channel, destination);
        attemptsTotal.inc({ lane, state: 'disabled', error_class: 'http_status' });
        await this.report(event, target, attempt, this.clock(), {
          state: 'disabled',
          statusCode: verdict.statusCode,
          errorClass: 'http_status',
          latencyMs: result.latencyMs,
          nextAttemptAt: null,
        });
        return;
      }
      case 'failed':
        await this.fail(event, target, attempt, { ...verdict, latencyMs: result.latencyMs }, sourceOffset);
        return;
      default: {
        const exhaustive: never = verdict;
        throw new Error(`unhandled verdict ${JSON.stringify(exhaustive)}`);
      }
    }
  }

  /** 410 Gone: the partner told us to stop. This event is not retried to that destination either. */
  private async disable(event: InboundEvent, channel: BoundChannel, destination: BoundDestination): Promise<void> {
    try {
      const disabled = await this.deps.store.disableDestination(destination.id, destination.url);
      if (disabled) destinationsDisabled.inc();
    } catch (error) {
      // the next event meets the 410 again and disables it then
      this.deps.logger.error({ event_id: event.eventId, destination_id: destination.id, ...errorFields(error) }, 'could not disable destination');
    }
    this.deps.bindings.forgetDestinations(channel.id);
    this.deps.logger.warn(
      { event_id: event.eventId, channel_id: channel.id, destination_id: destination.id, destination: destination.slot },
      'destination answered 410 Gone and was disabled',
    );
  }

  /** Makes a failure durable: the next attempt on a retry lane, or a dead letter once the window is over. */
  private async fail(event: InboundEvent, target: Target, attempt: number, failure: Failure, sourceOffset?: string): Promise<void> {
    const lane = attempt === 1 ? 'first' : 'retry';
    const now = this.clock();
    const plan = planRetry({
      attempt,
      receivedAt: event.receivedAt,
      now,
      statusCode: failure.statusCode,
      retryAfter: failure.retryAfter,
      policy: this.deps.policy,
      random: this.random,
    });
    const channelId = target.channel?.id ?? null;
    if (plan.state === 'retry_scheduled') {
      await this.deps.producer.send(this.deps.retryTopics[plan.lane], [
        retryRecord(event, {
          attempt: attempt + 1,
          slot: target.slot,
          scope: target.scope,
          channelId,
          dueAt: plan.dueAt,
          reason: failure.errorClass,
          sourceOffset,
        }),
      ]);
      retriesScheduled.inc({ reason: failure.errorClass });
    } else {
      await this.deps.producer.send(this.deps.topics.dead, [
        deadLetterRecord(event, {
          slot: target.slot,
          attempts: attempt,
          lastError: failure.errorClass,
          channelId,
          phoneNumberId: this.phoneOf(event, target.channel),
          deadAt: now,
        }),
      ]);
      deadLetters.inc({ reason: failure.errorClass });
      this.deps.logger.warn(
        { event_id: event.eventId, channel_id: channelId, destination: target.slot, attempts: attempt, error_class: failure.errorClass },
        'retry window ended, event dead-lettered',
      );
    }
    attemptsTotal.inc({ lane, state: plan.state, error_class: failure.errorClass });
    await this.report(event, target, attempt, now, {
      state: plan.state,
      statusCode: failure.statusCode,
      errorClass: failure.errorClass,
      latencyMs: failure.latencyMs,
      nextAttemptAt: plan.state === 'retry_scheduled' ? plan.dueAt : null,
    });
  }

  private phoneOf(event: InboundEvent, channel: BoundChannel | null): string {
    return channel?.phoneNumberId ?? event.phoneNumberId ?? event.key;
  }

  /**
   * The attempt's partner.deliveries.v1 record and, when worth it, its Postgres row. Both are
   * visibility: losing one must not block the event, so failures are logged, not thrown.
   */
  private async report(event: InboundEvent, target: Target, attempt: number, now: Date, outcome: Outcome): Promise<void> {
    const phoneNumberId = this.phoneOf(event, target.channel);
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
    const writes: Promise<void>[] = [
      this.deps.producer
        .send(this.deps.topics.deliveries, [{ key: phoneNumberId, value: JSON.stringify(record) }])
        .catch((error: unknown) => this.deps.logger.warn({ ...ids, ...errorFields(error) }, 'could not publish delivery outcome')),
    ];
    if (needsDeliveryRow(outcome.state, attempt)) {
      writes.push(
        this.deps.store
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
          .catch((error: unknown) => this.deps.logger.warn({ ...ids, ...errorFields(error) }, 'could not record delivery state')),
      );
    }
    await Promise.all(writes);
    this.deps.logger.debug({ ...ids, attempt, state: outcome.state, error_class: outcome.errorClass }, 'delivery attempt');
  }
}
