/**
 * Upper bounds (ms) of the latency histogram in `delivery_stats.latency_buckets`; one more bucket
 * holds everything slower. Written by the router, read by the gateway's stats.
 */
export const DELIVERY_STATS_LATENCY_BOUNDS_MS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000];

/** The histogram bucket of one latency. */
export function latencyBucketOf(latencyMs: number): number {
  const index = DELIVERY_STATS_LATENCY_BOUNDS_MS.findIndex((bound) => latencyMs <= bound);
  return index === -1 ? DELIVERY_STATS_LATENCY_BOUNDS_MS.length : index;
}
