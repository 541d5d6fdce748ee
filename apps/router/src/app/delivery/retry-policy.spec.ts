import { JITTER, laneFor, nextDelay, nextDueAt, parseDuration, parseRetryAfter, retryDelay, retryLaneTopics, retryPolicy, windowEnd } from './retry-policy';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const DEFAULT_SCHEDULE = [5 * SECOND, MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 12 * HOUR];

describe('parseDuration', () => {
  it.each([
    ['7d', 7 * DAY],
    ['36h', 36 * HOUR],
    ['90m', 90 * MINUTE],
    ['3600s', 3600 * SECOND],
    ['250ms', 250],
    ['1.5h', 1.5 * HOUR],
    ['604800000', 7 * DAY],
    [' 5s ', 5 * SECOND],
  ])('reads %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'soon', '7 days', '-5s', '0', '0s', '5w', '1e3', 's'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('retryPolicy', () => {
  it('scales the schedule, the window and the Retry-After cap, and derives one lane per distinct delay', () => {
    const policy = retryPolicy([5 * SECOND, MINUTE, MINUTE, 12 * HOUR], 7 * DAY, 0.001);
    expect(policy.scheduleMs).toEqual([5, 60, 60, 43_200]);
    expect(policy.windowMs).toBe(604_800);
    expect(policy.retryAfterCapMs).toBe(3_600);
    expect(policy.laneDelaysMs).toEqual([5, 60, 43_200]);
    expect(retryLaneTopics('p.partner.deliveries.retry.v1', policy)).toEqual([
      'p.partner.deliveries.retry.v1.0',
      'p.partner.deliveries.retry.v1.1',
      'p.partner.deliveries.retry.v1.2',
    ]);
  });

  it('never scales a delay below 1 ms', () => {
    expect(retryPolicy([5], 10, 0.0001).scheduleMs).toEqual([1]);
  });

  it('needs at least one step', () => {
    expect(() => retryPolicy([], DAY, 1)).toThrow('at least one step');
  });
});

describe('nextDelay', () => {
  it('follows the schedule step of the failed attempt and repeats the last step', () => {
    const middle = () => 0.5;
    expect(nextDelay(1, DEFAULT_SCHEDULE, middle)).toBe(5 * SECOND);
    expect(nextDelay(2, DEFAULT_SCHEDULE, middle)).toBe(MINUTE);
    expect(nextDelay(8, DEFAULT_SCHEDULE, middle)).toBe(12 * HOUR);
    expect(nextDelay(9, DEFAULT_SCHEDULE, middle)).toBe(12 * HOUR);
    expect(nextDelay(500, DEFAULT_SCHEDULE, middle)).toBe(12 * HOUR);
  });

  it('stays within ±20 % whatever the randomness', () => {
    expect(nextDelay(1, DEFAULT_SCHEDULE, () => 0)).toBe(4 * SECOND);
    expect(nextDelay(1, DEFAULT_SCHEDULE, () => 0.999999)).toBeLessThanOrEqual(6 * SECOND);
    for (let i = 0; i < 1000; i++) {
      const attempt = 1 + (i % 10);
      const base = DEFAULT_SCHEDULE[Math.min(attempt - 1, DEFAULT_SCHEDULE.length - 1)];
      const delay = nextDelay(attempt, DEFAULT_SCHEDULE);
      expect(delay).toBeGreaterThanOrEqual(Math.floor(base * (1 - JITTER)));
      expect(delay).toBeLessThanOrEqual(Math.ceil(base * (1 + JITTER)));
    }
  });

  it('actually spreads retries', () => {
    const delays = new Set(Array.from({ length: 50 }, () => nextDelay(3, DEFAULT_SCHEDULE)));
    expect(delays.size).toBeGreaterThan(10);
  });

  it('treats a nonsensical attempt number as the first', () => {
    expect(nextDelay(0, DEFAULT_SCHEDULE, () => 0.5)).toBe(5 * SECOND);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2025-01-01T12:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120 * SECOND);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date relative to now', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 12:00:30 GMT', now)).toBe(30 * SECOND);
  });

  it('treats a date in the past as now', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 11:00:00 GMT', now)).toBe(0);
  });

  it.each([null, undefined, '', 'soon', '-5', '1.5', '12:00'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, now)).toBeNull();
  });
});

describe('retryDelay', () => {
  const policy = retryPolicy(DEFAULT_SCHEDULE, 7 * DAY, 1);
  const now = new Date('2025-01-01T12:00:00Z');
  const base = { attempt: 1, now, policy, random: () => 0.5 };

  it('honours Retry-After on 429 and 503', () => {
    expect(retryDelay({ ...base, statusCode: 429, retryAfter: '120' })).toBe(120 * SECOND);
    expect(retryDelay({ ...base, statusCode: 503, retryAfter: 'Wed, 01 Jan 2025 12:10:00 GMT' })).toBe(10 * MINUTE);
  });

  it('never retries sooner than the schedule says', () => {
    expect(retryDelay({ ...base, statusCode: 429, retryAfter: '1' })).toBe(5 * SECOND);
  });

  it('caps Retry-After at one hour', () => {
    expect(retryDelay({ ...base, statusCode: 503, retryAfter: '86400' })).toBe(HOUR);
  });

  it('ignores Retry-After on other statuses and unreadable values', () => {
    expect(retryDelay({ ...base, statusCode: 500, retryAfter: '120' })).toBe(5 * SECOND);
    expect(retryDelay({ ...base, statusCode: null, retryAfter: '120' })).toBe(5 * SECOND);
    expect(retryDelay({ ...base, statusCode: 429, retryAfter: 'later' })).toBe(5 * SECOND);
  });

  it('scales Retry-After with the time scale', () => {
    const fast = retryPolicy(DEFAULT_SCHEDULE, 7 * DAY, 0.001);
    expect(retryDelay({ ...base, policy: fast, statusCode: 429, retryAfter: '120' })).toBe(120);
    expect(retryDelay({ ...base, policy: fast, statusCode: 429, retryAfter: '86400' })).toBe(3600);
  });
});

describe('the retry window', () => {
  const policy = retryPolicy(DEFAULT_SCHEDULE, 7 * DAY, 1);
  const receivedAt = new Date('2025-01-01T00:00:00Z');

  it('ends received-at + window', () => {
    expect(windowEnd(receivedAt, policy).toISOString()).toBe('2025-01-08T00:00:00.000Z');
  });

  it('schedules an attempt that falls inside the window, up to its very end', () => {
    const now = new Date('2025-01-07T12:00:00Z');
    expect(nextDueAt(receivedAt, now, HOUR, policy)?.toISOString()).toBe('2025-01-07T13:00:00.000Z');
    expect(nextDueAt(receivedAt, now, 12 * HOUR, policy)?.toISOString()).toBe('2025-01-08T00:00:00.000Z');
  });

  it('refuses an attempt after the window: the event is dead-lettered instead', () => {
    const now = new Date('2025-01-07T12:00:00Z');
    expect(nextDueAt(receivedAt, now, 12 * HOUR + 1, policy)).toBeNull();
  });

  it('is scaled with the time scale', () => {
    const fast = retryPolicy(DEFAULT_SCHEDULE, 7 * DAY, 0.001);
    const now = new Date(receivedAt.getTime() + 604_800 - 4);
    expect(nextDueAt(receivedAt, now, 5, fast)).toBeNull();
    expect(nextDueAt(receivedAt, new Date(receivedAt.getTime() + 1000), 5, fast)).not.toBeNull();
  });

  it('over the default schedule, gives 20 attempts in 7 days: 8 scheduled steps, then every 12 h', () => {
    let now = receivedAt;
    let attempt = 1;
    for (;;) {
      const due = nextDueAt(
        receivedAt,
        now,
        nextDelay(attempt, policy.scheduleMs, () => 0.5),
        policy,
      );
      if (!due) break;
      now = due;
      attempt += 1;
    }
    expect(attempt).toBe(20);
  });
});

describe('laneFor', () => {
  const lanes = retryPolicy(DEFAULT_SCHEDULE, 7 * DAY, 1).laneDelaysMs;

  it('puts a jittered scheduled delay into its own step lane', () => {
    DEFAULT_SCHEDULE.slice(0, 6).forEach((delay, index) => {
      expect(laneFor(delay * 0.8, lanes)).toBe(index);
      expect(laneFor(delay, lanes)).toBe(index);
      expect(laneFor(delay * 1.2, lanes)).toBe(index);
    });
    expect(laneFor(12 * HOUR * 1.2, lanes)).toBe(7);
  });

  it('puts a long Retry-After into a slow lane instead of blocking a fast one', () => {
    expect(laneFor(HOUR, lanes)).toBe(3);
    expect(laneFor(40 * MINUTE, lanes)).toBe(3);
  });

  it('handles the extremes', () => {
    expect(laneFor(1, lanes)).toBe(0);
    expect(laneFor(30 * DAY, lanes)).toBe(7);
  });
});
