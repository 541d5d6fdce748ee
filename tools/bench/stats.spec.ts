import { cpuUsPer, percentile, ratio, repeatedDeliveries, round1, selectScenarios, summarise } from './stats';

describe('bench statistics', () => {
  it('takes percentiles at index ⌊p/100 · n⌋ of the sorted values', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(51);
    expect(percentile(values, 99)).toBe(100);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarises unsorted latencies to one decimal place', () => {
    expect(summarise([3.04, 1.01, 2.26])).toEqual({ p50: 2.3, p99: 3, max: 3 });
    expect(summarise([])).toEqual({ p50: NaN, p99: NaN, max: NaN });
    expect(round1(12.349)).toBe(12.3);
  });

  it('gives ratios to two decimal places, NaN without a base', () => {
    expect(ratio(115, 40)).toBe(2.88);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(NaN, 3)).toBeNaN();
  });

  it('turns CPU seconds into whole µs per event', () => {
    expect(cpuUsPer(1.5, 10_000)).toBe(150);
    expect(cpuUsPer(1, 0)).toBeNaN();
  });

  it('counts arrivals beyond the first, optionally of some ids only', () => {
    const counts = new Map([
      ['a', 1],
      ['b', 3],
      ['c', 2],
    ]);
    expect(repeatedDeliveries(counts)).toBe(3);
    expect(repeatedDeliveries(counts, ['a', 'b', 'missing'])).toBe(2);
  });

  it('selects scenarios from the arguments, else the environment, else all', () => {
    const known = ['ingress', 'e2e', 'crash'] as const;
    expect([...selectScenarios(known, ['crash'], 'e2e')]).toEqual(['crash']);
    expect([...selectScenarios(known, [], 'e2e, crash')]).toEqual(['e2e', 'crash']);
    expect([...selectScenarios(known, [], undefined)]).toEqual(['ingress', 'e2e', 'crash']);
    expect(() => selectScenarios(known, ['gateway'], undefined)).toThrow(/unknown bench scenario\(s\) gateway; known: ingress, e2e, crash/);
  });
});
