/**
 * The retry schedule as pure functions: durations, backoff with jitter, Retry-After, the retry window
 * and the choice of retry lane. Everything here is deterministic given its inputs (randomness and the
 * clock are parameters), so the whole policy is unit-tested without Kafka or timers.
 */

/** ±20 % jitter around every scheduled delay, so retries of a burst do not arrive as a burst. */
export const JITTER = 0.2;

/** Retry-After is honoured up to one hour (before time scaling); a partner cannot park an event for days. */
export const RETRY_AFTER_CAP_MS = 60 * 60 * 1000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses `7d`, `36h`, `90m`, `3600s`, `250ms`, `1.5h` or a plain integer of milliseconds into
 * milliseconds. Returns null for anything else, zero or negative values included.
 */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!match) return null;
  const ms = Number(match[1]) * UNIT_MS[(match[2] ?? 'ms').toLowerCase()];
  if (!Number.isFinite(ms) || ms < 1) return null;
  return Math.round(ms);
}

export interface RetryPolicy {
  /** delay before attempt n+1 after attempt n failed, scaled; the last step repeats */
  scheduleMs: readonly number[];
  /** how long after `received-at` an event may still be attempted, scaled */
  windowMs: number;
  /** the Retry-After cap, scaled */
  retryAfterCapMs: number;
  /** RETRY_TIME_SCALE, also applied to Retry-After hints */
  timeScale: number;
  /** the nominal delay of each retry lane (one Kafka topic each), ascending, scaled */
  laneDelaysMs: readonly number[];
}

function scaled(ms: number, timeScale: number): number {
  return Math.max(1, Math.round(ms * timeScale));
}

/** Applies RETRY_TIME_SCALE to the schedule, the window and the Retry-After cap. */
export function retryPolicy(scheduleMs: readonly number[], windowMs: number, timeScale: number): RetryPolicy {
  if (scheduleMs.length === 0) throw new Error('the retry schedule needs at least one step');
  const schedule = scheduleMs.map((ms) => scaled(ms, timeScale));
  return {
    scheduleMs: schedule,
    windowMs: scaled(windowMs, timeScale),
    retryAfterCapMs: scaled(RETRY_AFTER_CAP_MS, timeScale),
    timeScale,
    laneDelaysMs: [...new Set(schedule)].sort((a, b) => a - b),
  };
}

/**
 * The delay before the next attempt after attempt number `attempt` (1-based) failed: the schedule
 * step for that attempt (the last step repeats), ±20 % jitter. `random` returns [0, 1).
 */
export function nextDelay(attempt: number, scheduleMs: readonly number[], random: () => number = Math.random): number {
  const index = Math.min(Math.max(1, Math.floor(attempt)) - 1, scheduleMs.length - 1);
  const factor = 1 + JITTER * (2 * random() - 1);
  return Math.max(1, Math.round(scheduleMs[index] * factor));
}

/**
 * A Retry-After header value in milliseconds from `now`: delta-seconds or an HTTP date (a date in the
 * past means "now", 0). Null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now.getTime());
}

/** Statuses whose Retry-After is a request to wait (docs/delivery.md). */
export function honoursRetryAfter(status: number | null): boolean {
  return status === 429 || status === 503;
}

export interface RetryDelayInput {
  /** the attempt that just failed, 1-based */
  attempt: number;
  statusCode: number | null;
  retryAfter: string | null;
  now: Date;
  policy: RetryPolicy;
  random?: () => number;
}

/** The backoff delay, stretched to a partner's Retry-After on 429/503 (scaled and capped). */
export function retryDelay(input: RetryDelayInput): number {
  const backoff = nextDelay(input.attempt, input.policy.scheduleMs, input.random);
  if (!honoursRetryAfter(input.statusCode)) return backoff;
  const hinted = parseRetryAfter(input.retryAfter, input.now);
  if (hinted === null) return backoff;
  const requested = Math.min(Math.round(hinted * input.policy.timeScale), input.policy.retryAfterCapMs);
  return Math.max(backoff, requested);
}

/** When the retry window of an event closes. */
export function windowEnd(receivedAt: Date, policy: RetryPolicy): Date {
  return new Date(receivedAt.getTime() + policy.windowMs);
}

/**
 * The due time of the next attempt, or null when it would fall after the window: the event is then
 * dead-lettered rather than attempted late.
 */
export function nextDueAt(receivedAt: Date, now: Date, delayMs: number, policy: RetryPolicy): Date | null {
  const due = now.getTime() + delayMs;
  return due > windowEnd(receivedAt, policy).getTime() ? null : new Date(due);
}

/**
 * The retry lane for a delay: the lane whose nominal delay is nearest on a logarithmic scale. Each
 * lane is a FIFO topic, so records in it should have similar delays: a scheduled retry lands in the
 * lane of its own step, a long Retry-After in a slower lane instead of blocking a fast one.
 */
export function laneFor(delayMs: number, laneDelaysMs: readonly number[]): number {
  const target = Math.log(Math.max(1, delayMs));
  let best = 0;
  let bestDistance = Number.POSITIVE_INFINITY;
  laneDelaysMs.forEach((lane, index) => {
    const distance = Math.abs(Math.log(lane) - target);
    if (distance < bestDistance) {
      best = index;
      bestDistance = distance;
    }
  });
  return best;
}

/**
 * The Kafka topic of each retry lane: `<retry topic>.<index>`. The lanes follow the schedule: after
 * shortening RETRY_SCHEDULE, drain the lanes that no longer exist (their records keep their due
 * times and would be read by nobody).
 */
export function retryLaneTopics(retryTopic: string, policy: RetryPolicy): string[] {
  return policy.laneDelaysMs.map((_, index) => `${retryTopic}.${index}`);
}
