import { DELIVERY_STATS_LATENCY_BOUNDS_MS } from '@wabridge/persistence';

/** One delivery_stats row as read for a channel. */
export interface StatsRow {
  slot: string;
  attempts: number;
  delivered: number;
  latencyBuckets: number[];
  latencyMaxMs: number;
  lastError: string | null;
  lastErrorAt: Date | null;
  breakerState: string | null;
  breakerAt: Date | null;
}

export interface DestinationStats {
  destination: string;
  /** whether the slot is bound now (stats of an unbound slot stay visible for their 24 h) */
  bound: boolean;
  attempts: number;
  delivered: number;
  /** delivered / attempts; null without attempts */
  success_ratio: number | null;
  /** bucket upper bounds of the latency histogram, capped at the slowest attempt; null without attempts */
  latency_ms: { p50: number; p99: number } | null;
  last_error_class: string | null;
  last_error_at: string | null;
  breaker_state: string;
}

/**
 * The p-th percentile of a histogram: the upper bound of the bucket holding that rank, never above the
 * slowest attempt seen (so a fast endpoint is not reported at its bucket's bound).
 */
export function percentileOf(buckets: readonly number[], maxMs: number, p: number): number {
  const total = buckets.reduce((sum, count) => sum + count, 0);
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const [index, count] of buckets.entries()) {
    seen += count;
    if (seen >= rank) return Math.min(DELIVERY_STATS_LATENCY_BOUNDS_MS[index] ?? maxMs, maxMs);
  }
  return maxMs;
}

/** Per slot: the bound ones first (primary, then by name), then slots that only have stats left. */
export function summarizeStats(rows: readonly StatsRow[], bound: readonly string[]): DestinationStats[] {
  const slots = [...new Set([...bound, ...rows.map((row) => row.slot)])];
  return slots.map((slot) => {
    const mine = rows.filter((row) => row.slot === slot);
    const buckets = new Array<number>(DELIVERY_STATS_LATENCY_BOUNDS_MS.length + 1).fill(0);
    let attempts = 0;
    let delivered = 0;
    let maxMs = 0;
    let lastError: { at: Date; error: string } | null = null;
    let breaker: { at: Date; state: string } | null = null;
    for (const row of mine) {
      attempts += row.attempts;
      delivered += row.delivered;
      maxMs = Math.max(maxMs, row.latencyMaxMs);
      row.latencyBuckets.forEach((count, index) => (buckets[index] += count));
      if (row.lastError && row.lastErrorAt && (!lastError || row.lastErrorAt > lastError.at)) lastError = { at: row.lastErrorAt, error: row.lastError };
      if (row.breakerState && row.breakerAt && (!breaker || row.breakerAt > breaker.at)) breaker = { at: row.breakerAt, state: row.breakerState };
    }
    return {
      destination: slot,
      bound: bound.includes(slot),
      attempts,
      delivered,
      success_ratio: attempts > 0 ? Math.round((delivered / attempts) * 10_000) / 10_000 : null,
      latency_ms: attempts > 0 ? { p50: percentileOf(buckets, maxMs, 0.5), p99: percentileOf(buckets, maxMs, 0.99) } : null,
      last_error_class: lastError?.error ?? null,
      last_error_at: lastError?.at.toISOString() ?? null,
      breaker_state: breaker?.state ?? 'closed',
    };
  });
}
