import { endSpanWithError, SpanKind, startSpan, tracingOn } from '@wabridge/observability';
import { destinationClassOf, endAttemptSpan } from '../metrics/attempt-span';
import {
  messageKindsOf,
  splitSlotDestination,
  wantsChange,
  WebhookHeaders,
  type DeliveryErrorClass,
  type DeliveryState,
  type MessageKind,
  type TopicNames,
} from '@wabridge/contracts';
import type { OutgoingRecord } from '@wabridge/kafka';
import { buildDeliveryRequest, judgeAttempt, type AttemptResult, type DeliveryRequest } from '@wabridge/webhook-delivery';
import { PRIMARY_SLOT, type BindingRepository, type BoundChannel, type BoundDestination } from '../bindings/binding.repository';
import { attemptEvent, deliveryRowDestination, needsDeliveryRow, planRetry } from './delivery-outcome';
import { breakerKey, breakerOutcome, type CircuitBreakers } from './circuit-breaker';
import type { StatsTally } from '../metrics/delivery-stats';
import type { DeliveryRepository } from './delivery.repository';
import {
  deadLetterRecord,
  orderedPairKey,
  retryRecord,
  type InboundEvent,
  type OrderedPair,
  type ParkedTicket,
  type RetryScope,
  type RetryTicket,
} from '../records/event-records';
import type { OrderedParkingRepository } from '../ordered/ordered-parking.repository';
import type { OrderedSequencer, PairJob, Reservation } from '../ordered/ordered-sequencer';
import type { RetryPolicy } from './retry-policy';
import {
  attemptsTotal,
  deadLetters,
  deliveredSeries,
  destinationsDisabled,
  outcomesDropped,
  retriesScheduled,
} from '../metrics/router-metrics';

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
  http: { post(request: DeliveryRequest, lane: 'first' | 'retry', destination: string): Promise<AttemptResult> };
  store: Pick<DeliveryRepository, 'record' | 'disableDestination'>;
  producer: { send(topic: string, records: OutgoingRecord[]): Promise<void> };
  logger: DeliveryLogger;
  /** per-destination circuit breakers; none = every attempt dials */
  breakers?: CircuitBreakers;
  /** per-slot attempt counts and latencies for partners' stats; none = not kept */
  stats?: Pick<StatsTally, 'observe'>;
  /** `ordered` destinations: first attempts kept in Kafka order, failures parked; none = `ordered` is ignored */
  ordered?: {
    sequencer: OrderedSequencer;
    parking: Pick<OrderedParkingRepository, 'appendIfParked' | 'park' | 'scheduleHead'>;
  };
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

/** Where a failure's next attempt is kept: by default a retry-lane record; for ordered pairs, the parking lane. */
type RetryScheduler = (dueAt: Date, failure: Failure) => Promise<void>;

/** Where the record came from on whatsapp.webhooks.v1: its place in the partition orders `ordered` destinations. */
export interface SourcePosition {
  partition: number;
  offset: string;
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

/** partner.deliveries.v1 records sent but not yet acknowledged before attempts wait for them */
const MAX_PENDING_OUTCOMES = 5000;

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
  private readonly pendingOutcomes = new Set<Promise<void>>();
  /** what a `messages` event carries, read from its body at most once and only for a filtering destination */
  private readonly messageKinds = new WeakMap<InboundEvent, ReadonlySet<MessageKind>>();

  constructor(private readonly deps: DeliveryDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.random = deps.random ?? Math.random;
  }

  /**
   * First attempt of a fresh event: every channel and destination it has right now. Call it in the
   * partition's offset order: the call reserves the event's place among the `ordered` destinations
   * before it awaits anything.
   */
  deliverFresh(event: InboundEvent, source?: SourcePosition): Promise<void> {
    const { ordered } = this.deps;
    const reservation = source && ordered ? ordered.sequencer.reserve(`${source.partition}\u0000${event.key}`, BigInt(source.offset)) : null;
    const sourceOffset = source ? `${source.partition}:${source.offset}` : undefined;
    return this.route(event, 1, null, sourceOffset, reservation);
  }

  /**
   * A parking-lane event of an `ordered` pair, when it is the pair's head and due. Resolves with the
   * time of its next attempt (it stays the head), or null once it is done: delivered, dead-lettered
   * or dropped by a 410.
   */
  async deliverParked(ticket: ParkedTicket): Promise<{ retryAt: Date | null }> {
    const { event, pair, attempt } = ticket;
    const parking = this.requireParking();
    let retryAt: Date | null = null;
    const schedule: RetryScheduler = async (dueAt) => {
      await parking.scheduleHead(pair, ticket.seq, attempt + 1, dueAt);
      retryAt = dueAt;
    };
    const channel = await this.deps.bindings.channelById(pair.channelId);
    if (!channel) {
      await this.keep(event, { channel: null, slot: pair.slot, destinationId: null, scope: 'slot' }, attempt, 'unknown_number', undefined, schedule);
      return { retryAt };
    }
    const destination = (await this.deps.bindings.destinationsOf(channel.id)).find((candidate) => candidate.slot === pair.slot);
    if (!destination) {
      await this.keep(event, { channel, slot: pair.slot, destinationId: null, scope: 'slot' }, attempt, 'no_binding', undefined, schedule);
      return { retryAt };
    }
    if (!this.wants(event, destination)) return { retryAt: null };
    await this.attempt(event, channel, destination, attempt, undefined, schedule);
    return { retryAt };
  }

  /** After a rebalance: the first lane's partitions may have moved on elsewhere. */
  resetOrdering(): void {
    this.deps.ordered?.sequencer.reset();
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
    // the slot was rebound meanwhile with an `events` filter that leaves this change out
    if (!this.wants(event, destination)) return;
    await this.attempt(event, channel, destination, attempt);
  }

  /**
   * Whether the destination asked for this change (its `events` filter). A change it did not ask for
   * is neither attempted nor reported: it is not a delivery, so not a failure either.
   */
  private wants(event: InboundEvent, destination: BoundDestination): boolean {
    return wantsChange(destination.events ?? null, event.headers[WebhookHeaders.field] ?? null, () => {
      let kinds = this.messageKinds.get(event);
      if (!kinds) {
        try {
          kinds = messageKindsOf(JSON.parse(event.value.toString('utf8')));
        } catch {
          // an unreadable body is delivered to whoever asked for messages at all
          kinds = new Set();
        }
        this.messageKinds.set(event, kinds);
      }
      return kinds;
    });
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

  private async route(
    event: InboundEvent,
    attempt: number,
    channelId: string | null,
    sourceOffset?: string,
    reservation: Reservation | null = null,
  ): Promise<void> {
    let plans: { channel: BoundChannel; destinations: BoundDestination[] }[];
    try {
      const channels = await this.channelsFor(event, channelId);
      plans = await Promise.all(
        channels.map(async (channel) => ({ channel, destinations: await this.deps.bindings.destinationsOf(channel.id) })),
      );
    } catch (error) {
      // the events behind this one must not wait for ever on a reservation that is never entered
      void reservation?.enter([]);
      throw error;
    }
    const tasks: Promise<void>[] = [];
    const orderedJobs: PairJob<void>[] = [];
    if (plans.length === 0) {
      const target: Target = { channel: null, slot: PRIMARY_SLOT, destinationId: null, scope: 'channel' };
      tasks.push(this.keep(event, target, attempt, 'unknown_number', sourceOffset));
    }
    for (const { channel, destinations } of plans) {
      if (destinations.length === 0) {
        const target: Target = { channel, slot: PRIMARY_SLOT, destinationId: null, scope: 'channel' };
        tasks.push(this.keep(event, target, attempt, 'no_binding', sourceOffset));
        continue;
      }
      for (const destination of destinations) {
        if (!this.wants(event, destination)) continue;
        if (reservation && destination.ordered) {
          const pair: OrderedPair = { channelId: channel.id, slot: destination.slot };
          orderedJobs.push({ pair: orderedPairKey(pair), run: () => this.attemptInOrder(event, channel, destination, sourceOffset) });
        } else {
          tasks.push(this.attempt(event, channel, destination, attempt, sourceOffset));
        }
      }
    }
    if (reservation) {
      tasks.push(
        reservation.enter(orderedJobs).then((results) => {
          const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
          if (failed) throw failed.reason;
        }),
      );
    }
    await settleAll(tasks);
  }

  /**
   * First attempt towards an `ordered` destination, in the pair's Kafka order: while the pair is
   * parked the event joins the queue on the parking lane; otherwise it is attempted, and a failure
   * parks the pair with this event as its head.
   */
  private async attemptInOrder(event: InboundEvent, channel: BoundChannel, destination: BoundDestination, sourceOffset?: string): Promise<void> {
    const parking = this.requireParking();
    const pair: OrderedPair = { channelId: channel.id, slot: destination.slot };
    // the wait counts as attempt 1 (as a circuit_open does): the lane's first dial is attempt 2
    if (await parking.appendIfParked(pair, event, { attempt: 2, dueAt: null, reason: 'ordered_wait', sourceOffset })) {
      const target: Target = { channel, slot: destination.slot, destinationId: destination.id, scope: 'slot' };
      retriesScheduled.inc({ reason: 'ordered_wait' });
      attemptsTotal.inc({ lane: 'first', destination_class: destinationClassOf(destination.slot), state: 'retry_scheduled', error_class: 'ordered_wait' });
      await this.report(event, target, 1, this.clock(), {
        state: 'retry_scheduled',
        statusCode: null,
        errorClass: 'ordered_wait',
        latencyMs: 0,
        nextAttemptAt: null,
      });
      return;
    }
    await this.attempt(event, channel, destination, 1, sourceOffset, (dueAt, failure) =>
      parking.park(pair, event, { attempt: 2, dueAt, reason: failure.errorClass, sourceOffset }),
    );
  }

  private requireParking(): NonNullable<DeliveryDeps['ordered']>['parking'] {
    const parking = this.deps.ordered?.parking;
    if (!parking) throw new Error('ordered delivery is not configured');
    return parking;
  }

  /** An event that could not be attempted (nothing bound, unknown number): kept on the retry lanes. */
  private keep(
    event: InboundEvent,
    target: Target,
    attempt: number,
    reason: 'no_binding' | 'unknown_number',
    sourceOffset?: string,
    schedule?: RetryScheduler,
  ): Promise<void> {
    return this.fail(event, target, attempt, { errorClass: reason, statusCode: null, retryAfter: null, latencyMs: 0 }, sourceOffset, schedule);
  }

  private async attempt(
    event: InboundEvent,
    channel: BoundChannel,
    destination: BoundDestination,
    attempt: number,
    sourceOffset?: string,
    schedule?: RetryScheduler,
  ): Promise<void> {
    const lane = attempt === 1 ? 'first' : 'retry';
    const target: Target = { channel, slot: destination.slot, destinationId: destination.id, scope: 'slot' };
    const { breakers } = this.deps;
    const key = breakerKey(destination);
    const admission = breakers?.admit(key, this.clock().getTime(), attempt === 1) ?? { dial: true, probe: false };
    if (!admission.dial) {
      // the destination is known to be down: no dial, no waiting on a timeout, straight to the retry lane
      const failure: Failure = { errorClass: 'circuit_open', statusCode: null, retryAfter: null, latencyMs: 0 };
      this.observe(channel, destination, key, { dialed: false, delivered: false, latencyMs: 0, errorClass: 'circuit_open' });
      await this.fail(event, target, attempt, failure, sourceOffset, schedule);
      return;
    }
    let result: AttemptResult;
    // tracing on: one client span per attempt, the child of the lane's consumer span (no URL: it may hold secrets)
    const span = tracingOn()
      ? startSpan('partner delivery attempt', {
          kind: SpanKind.CLIENT,
          attributes: {
            'wabridge.event_id': event.eventId,
            'wabridge.attempt': attempt,
            'wabridge.lane': lane,
            'wabridge.destination_class': destinationClassOf(destination.slot),
            // the anonymous slot label, never a key or a URL
            'wabridge.partner_slot': splitSlotDestination(destination.slot).slot,
          },
        })
      : undefined;
    try {
      result = await this.deps.http.post(buildDeliveryRequest(event.eventId, event.value, destination, this.clock()), lane, destination.id);
    } catch (error) {
      endSpanWithError(span, error);
      // a probe that never produced a result must not leave the breaker waiting on it
      breakers?.record(key, this.clock().getTime(), 'neutral', admission);
      throw error;
    }
    if (span) endAttemptSpan(span, result);
    const series = deliveredSeries[lane][destinationClassOf(destination.slot)];
    if (result.kind === 'response') series.attemptSeconds.observe(result.latencyMs / 1000);
    const verdict = judgeAttempt(result);
    breakers?.record(key, this.clock().getTime(), breakerOutcome(verdict), admission);
    this.observe(channel, destination, key, {
      dialed: true,
      delivered: verdict.kind === 'delivered',
      latencyMs: result.latencyMs,
      errorClass: verdict.kind === 'delivered' ? null : verdict.kind === 'gone' ? 'http_status' : verdict.errorClass,
    });
    switch (verdict.kind) {
      case 'delivered': {
        const now = this.clock();
        series.attempts.inc();
        series.endToEndSeconds.observe(Math.max(0, now.getTime() - event.receivedAt.getTime()) / 1000);
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
        attemptsTotal.inc({ lane, destination_class: destinationClassOf(destination.slot), state: 'disabled', error_class: 'http_status' });
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
        await this.fail(event, target, attempt, { ...verdict, latencyMs: result.latencyMs }, sourceOffset, schedule);
        return;
      default: {
        const exhaustive: never = verdict;
        throw new Error(`unhandled verdict ${JSON.stringify(exhaustive)}`);
      }
    }
  }

  private observe(
    channel: BoundChannel,
    destination: BoundDestination,
    key: string,
    sample: { dialed: boolean; delivered: boolean; latencyMs: number; errorClass: string | null },
  ): void {
    const now = this.clock();
    this.deps.stats?.observe({
      ...sample,
      channelId: channel.id,
      slot: destination.slot,
      breakerState: this.deps.breakers?.state(key, now.getTime()) ?? 'closed',
      at: now,
    });
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
  private async fail(
    event: InboundEvent,
    target: Target,
    attempt: number,
    failure: Failure,
    sourceOffset?: string,
    schedule?: RetryScheduler,
  ): Promise<void> {
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
    if (plan.state === 'retry_scheduled' && schedule) {
      await schedule(plan.dueAt, failure);
      retriesScheduled.inc({ reason: failure.errorClass });
    } else if (plan.state === 'retry_scheduled') {
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
    attemptsTotal.inc({ lane, destination_class: destinationClassOf(target.slot), state: plan.state, error_class: failure.errorClass });
    await this.report(event, target, attempt, now, {
      state: plan.state,
      statusCode: failure.statusCode,
      errorClass: failure.errorClass,
      latencyMs: failure.latencyMs,
      nextAttemptAt: plan.state === 'retry_scheduled' ? plan.dueAt : null,
    });
  }

  /**
   * The attempt's partner.deliveries.v1 record leaves the event's critical path: the event is resolved
   * without waiting for its acknowledgement (it is visibility, not part of the delivery guarantee), so
   * a slow broker acknowledgement never holds a partition's next fetch. Past MAX_PENDING_OUTCOMES
   * unacknowledged records, callers wait again: memory stays bounded while Kafka is slow. Best-effort:
   * a record Kafka does not acknowledge is counted (wabridge_router_delivery_outcomes_dropped_total) and
   * logged, not kept elsewhere (docs/security.md).
   */
  private publishOutcome(key: string, value: string, ids: object): Promise<void> {
    const sent = this.deps.producer
      .send(this.deps.topics.deliveries, [{ key, value }])
      .catch((error: unknown) => {
        outcomesDropped.inc();
        this.deps.logger.warn({ ...ids, ...errorFields(error) }, 'could not publish delivery outcome');
      })
      .finally(() => this.pendingOutcomes.delete(sent));
    this.pendingOutcomes.add(sent);
    return this.pendingOutcomes.size > MAX_PENDING_OUTCOMES ? sent : Promise.resolve();
  }

  /** Waits for the outcome records still unacknowledged (before the producer disconnects). */
  async flushOutcomes(timeoutMs = 10_000): Promise<void> {
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([Promise.allSettled([...this.pendingOutcomes]), deadline]);
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
    const writes: Promise<void>[] = [this.publishOutcome(phoneNumberId, JSON.stringify(record), ids)];
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
