// Pure statistics of the bench: percentiles, rounding, ratios and the scenario selection. No I/O, so
// they have a unit spec of their own (stats.spec.ts).

/**
 * The `p`-th percentile of ascending `sorted` values: the value at index ⌊p/100 · n⌋ (the last for
 * p = 100), as the bench has always computed it; NaN when empty.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One decimal place, as the bench reports milliseconds. */
export const round1 = (value: number): number => Math.round(value * 10) / 10;

/** `value / base` to two decimal places (NaN when the base is 0 or missing): the bench's ratios. */
export function ratio(value: number, base: number): number {
  if (!(base > 0) || !Number.isFinite(value)) return NaN;
  return Math.round((value / base) * 100) / 100;
}

/** CPU seconds spent on `events` events, in whole µs per event (NaN when there were none). */
export function cpuUsPer(cpuSeconds: number, events: number): number {
  return events > 0 ? Math.round((cpuSeconds * 1e6) / events) : NaN;
}

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

/** p50, p99 and max of unsorted latencies in ms, one decimal place. */
export function summarise(latencies: readonly number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50: round1(percentile(sorted, 50)), p99: round1(percentile(sorted, 99)), max: round1(sorted[sorted.length - 1] ?? NaN) };
}

/**
 * How often each id arrived beyond its first time: at-least-once delivery repeats some after a crash
 * or a rebalance. `counts` maps an id to its arrivals; only the ids in `of` count (default all).
 */
export function repeatedDeliveries(counts: ReadonlyMap<string, number>, of?: Iterable<string>): number {
  let repeated = 0;
  for (const id of of ?? counts.keys()) repeated += Math.max(0, (counts.get(id) ?? 0) - 1);
  return repeated;
}

/**
 * The scenarios to run: the command-line arguments, else BENCH_SCENARIOS (comma- or space-separated),
 * else all of them. An unknown name throws, listing the known ones.
 */
export function selectScenarios<T extends string>(known: readonly T[], args: readonly string[], fromEnv: string | undefined): Set<T> {
  const asked = args.length > 0 ? args : (fromEnv ?? '').split(/[\s,]+/).filter(Boolean);
  if (asked.length === 0) return new Set(known);
  const unknown = asked.filter((name) => !(known as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown bench scenario(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return new Set(asked as T[]);
}
