import { percentileOf, summarizeStats, type StatsRow } from './stats-summary';

// buckets: ≤1, ≤2, ≤5, ≤10, ≤20, ≤50, ≤100, ≤200, ≤500, ≤1000, ≤2000, ≤5000, ≤10000, ≤30000, slower
const histogram = (counts: Record<number, number>) => Array.from({ length: 15 }, (_, index) => counts[index] ?? 0);

const row = (overrides: Partial<StatsRow>): StatsRow => ({
  slot: 'primary',
  attempts: 0,
  delivered: 0,
  latencyBuckets: histogram({}),
  latencyMaxMs: 0,
  lastError: null,
  lastErrorAt: null,
  breakerState: 'closed',
  breakerAt: new Date('2025-01-01T10:00:00Z'),
  ...overrides,
});

describe('percentileOf', () => {
  it('answers the bucket bound holding the rank, capped at the slowest attempt', () => {
    const buckets = histogram({ 4: 98, 9: 2 });
    expect(percentileOf(buckets, 800, 0.5)).toBe(20);
    expect(percentileOf(buckets, 800, 0.99)).toBe(800);
    expect(percentileOf(histogram({ 3: 1 }), 7, 0.5)).toBe(7);
    expect(percentileOf(histogram({ 14: 1 }), 45_000, 0.99)).toBe(45_000);
    expect(percentileOf(histogram({}), 0, 0.5)).toBe(0);
  });
});

describe('summarizeStats', () => {
  it('adds up the minutes of each slot and keeps the newest error and breaker state', () => {
    const summary = summarizeStats(
      [
        row({ attempts: 3, delivered: 3, latencyBuckets: histogram({ 4: 3 }), latencyMaxMs: 15 }),
        row({
          attempts: 2,
          delivered: 0,
          latencyBuckets: histogram({ 10: 2 }),
          latencyMaxMs: 1500,
          lastError: 'timeout',
          lastErrorAt: new Date('2025-01-01T10:01:00Z'),
          breakerState: 'open',
          breakerAt: new Date('2025-01-01T10:01:00Z'),
        }),
        row({ slot: 'old', attempts: 1, delivered: 1, latencyBuckets: histogram({ 2: 1 }), latencyMaxMs: 4 }),
      ],
      ['primary', 'crm'],
    );
    expect(summary).toEqual([
      {
        destination: 'primary',
        bound: true,
        attempts: 5,
        delivered: 3,
        success_ratio: 0.6,
        latency_ms: { p50: 20, p99: 1500 },
        last_error_class: 'timeout',
        last_error_at: '2025-01-01T10:01:00.000Z',
        breaker_state: 'open',
      },
      {
        destination: 'crm',
        bound: true,
        attempts: 0,
        delivered: 0,
        success_ratio: null,
        latency_ms: null,
        last_error_class: null,
        last_error_at: null,
        breaker_state: 'closed',
      },
      expect.objectContaining({ destination: 'old', bound: false, attempts: 1, success_ratio: 1, latency_ms: { p50: 4, p99: 4 } }),
    ]);
  });
});
