import { metricsRegistry } from '@wabridge/observability';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { DestinationClass } from './attempt-span';

/**
 * Labels are bounded enums only: no channel, number or URL ever becomes a label. `destination_class` is
 * `primary` (the channel's webhook) or `extra` (a /multi_webhook destination).
 */
export const attemptsTotal = new Counter({
  name: 'wabridge_router_attempts_total',
  help: 'Delivery attempts by lane (first|retry), destination class (primary|extra), resulting state and error class (none on success)',
  labelNames: ['lane', 'destination_class', 'state', 'error_class'],
  registers: [metricsRegistry],
});

/**
 * partner.deliveries.v1 records are visibility, published best-effort (the delivery guarantee rests on
 * the deliveries table and the retry lanes): the ones Kafka did not acknowledge are counted here.
 */
export const outcomesDropped = new Counter({
  name: 'wabridge_router_delivery_outcomes_dropped_total',
  help: 'partner.deliveries.v1 outcome records Kafka did not acknowledge (best-effort: not kept elsewhere)',
  registers: [metricsRegistry],
});

export const attemptSeconds = new Histogram({
  name: 'wabridge_router_attempt_seconds',
  help: 'Duration of one HTTP delivery attempt, response body included, by lane and destination class',
  labelNames: ['lane', 'destination_class'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

export const endToEndSeconds = new Histogram({
  name: 'wabridge_router_end_to_end_seconds',
  help: 'From received-at (ingress) to a 2xx from the partner, by lane and destination class',
  labelNames: ['lane', 'destination_class'],
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600, 86400],
  registers: [metricsRegistry],
});

type Lane = 'first' | 'retry';
type DeliveredSeries = {
  attemptSeconds: Histogram.Internal<'lane' | 'destination_class'>;
  endToEndSeconds: Histogram.Internal<'lane' | 'destination_class'>;
  attempts: Counter.Internal;
};

/**
 * A delivered attempt's series, bound to their labels once: prom-client would otherwise build and
 * hash the label set on every observation, which is every event in a drain.
 */
export const deliveredSeries = Object.fromEntries(
  (['first', 'retry'] as const).map((lane) => [
    lane,
    Object.fromEntries(
      (['primary', 'extra'] as const).map((destinationClass) => [
        destinationClass,
        {
          attemptSeconds: attemptSeconds.labels(lane, destinationClass),
          endToEndSeconds: endToEndSeconds.labels(lane, destinationClass),
          attempts: attemptsTotal.labels(lane, destinationClass, 'delivered', 'none'),
        },
      ]),
    ),
  ]),
) as Record<Lane, Record<DestinationClass, DeliveredSeries>>;

export const retriesScheduled = new Counter({
  name: 'wabridge_router_retries_scheduled_total',
  help: 'Retries written to a retry lane, by reason',
  labelNames: ['reason'],
  registers: [metricsRegistry],
});

export const deadLetters = new Counter({
  name: 'wabridge_router_dead_letters_total',
  help: 'Events dead-lettered because their retry window ended, by last error',
  labelNames: ['reason'],
  registers: [metricsRegistry],
});

export const destinationsDisabled = new Counter({
  name: 'wabridge_router_destinations_disabled_total',
  help: 'Destinations disabled after a 410 Gone',
  registers: [metricsRegistry],
});

export const recordsQuarantined = new Counter({
  name: 'wabridge_router_quarantined_total',
  help: 'Records the router could not read, kept on the quarantine topic',
  labelNames: ['topic_kind'],
  registers: [metricsRegistry],
});

export const breakerTransitions = new Counter({
  name: 'wabridge_router_breaker_transitions_total',
  help: 'Circuit breaker state changes (per destination breakers, summed)',
  labelNames: ['from', 'to'],
  registers: [metricsRegistry],
});

let breakerSource: (() => Record<'open' | 'half_open', number>) | undefined;

/** The process's breakers, counted at scrape time (one set of breakers per process). */
export function reportBreakersFrom(source: () => Record<'open' | 'half_open', number>): void {
  breakerSource = source;
}

export const breakerStates = new Gauge({
  name: 'wabridge_router_breakers',
  help: 'Destinations whose circuit breaker is open or half-open (closed ones are not tracked)',
  labelNames: ['state'],
  registers: [metricsRegistry],
  collect() {
    if (!breakerSource) return;
    const counts = breakerSource();
    this.set({ state: 'open' }, counts.open);
    this.set({ state: 'half_open' }, counts.half_open);
  },
});

let pendingSource: (() => Promise<number>) | undefined;

/** The retry store's depth, read from Postgres at scrape time. */
export function reportPendingRetriesFrom(source: () => Promise<number>): void {
  pendingSource = source;
}

export const retryStoreDepth = new Gauge({
  name: 'wabridge_router_retry_store_depth',
  help: 'Deliveries rows in state retry_scheduled (events waiting on a retry lane), all instances',
  registers: [metricsRegistry],
  async collect() {
    if (!pendingSource) return;
    try {
      this.set(await pendingSource());
    } catch {
      // Postgres unavailable: keep the last value rather than fail the scrape
    }
  },
});

let oldestRetrySource: (() => Promise<number | null>) | undefined;

/** The age of the oldest event waiting for a retry, read from Postgres at scrape time. */
export function reportOldestRetryFrom(source: () => Promise<number | null>): void {
  oldestRetrySource = source;
}

export const oldestRetryAge = new Gauge({
  name: 'wabridge_router_oldest_retry_age_seconds',
  help: 'Seconds since the oldest event still waiting for a retry was received (0 when none waits), all instances',
  registers: [metricsRegistry],
  async collect() {
    if (!oldestRetrySource) return;
    try {
      this.set((await oldestRetrySource()) ?? 0);
    } catch {
      // Postgres unavailable: keep the last value rather than fail the scrape
    }
  },
});

let parkedPairsSource: (() => Promise<number>) | undefined;

/** Ordered pairs with events waiting on the parking lane, read from Postgres at scrape time. */
export function reportParkedPairsFrom(source: () => Promise<number>): void {
  parkedPairsSource = source;
}

export const orderedPairsParked = new Gauge({
  name: 'wabridge_router_ordered_pairs_parked',
  help: 'Ordered channel/destination pairs whose head is being retried (their later events wait behind it), all instances',
  registers: [metricsRegistry],
  async collect() {
    if (!parkedPairsSource) return;
    try {
      this.set(await parkedPairsSource());
    } catch {
      // Postgres unavailable: keep the last value rather than fail the scrape
    }
  },
});

export const orderedRereads = new Counter({
  name: 'wabridge_router_ordered_rereads_total',
  help: 'Parking-lane partitions read again from an earlier offset because an ordered pair had more events waiting than fit in memory',
  registers: [metricsRegistry],
});

/** Latest lag per lane and topic-partition, as kafkajs reports it after each batch. */
const lagByPartition = new Map<string, { lane: string; lag: number }>();

export function recordConsumerLag(lane: string, topic: string, partition: number, lag: number): void {
  lagByPartition.set(`${lane}\u0000${topic}\u0000${partition}`, { lane, lag });
}

export const consumerLag = new Gauge({
  name: 'wabridge_router_consumer_lag',
  help: 'Records behind the end of the partitions this instance consumes, by lane (retry lag includes records not yet due)',
  labelNames: ['lane'],
  registers: [metricsRegistry],
  collect() {
    const sums = new Map<string, number>();
    for (const { lane, lag } of lagByPartition.values()) sums.set(lane, (sums.get(lane) ?? 0) + lag);
    for (const [lane, sum] of sums) this.set({ lane }, sum);
  },
});
