import { StatsTally, type StatsSample } from './delivery-stats';

const base: StatsSample = {
  channelId: '00000000-0000-4000-8000-00000000000a',
  slot: 'primary',
  dialed: true,
  delivered: true,
  latencyMs: 12.4,
  errorClass: null,
  breakerState: 'closed',
  at: new Date('2025-01-01T10:00:05Z'),
};

describe('StatsTally', () => {
  it('adds up attempts per slot and minute, with a latency histogram and the latest error and breaker state', () => {
    const tally = new StatsTally();
    tally.observe(base);
    tally.observe({ ...base, delivered: false, latencyMs: 900, errorClass: 'http_status', at: new Date('2025-01-01T10:00:20Z') });
    // the breaker was open: nothing dialled, so no attempt, but the error class and the state count
    tally.observe({
      ...base,
      dialed: false,
      delivered: false,
      latencyMs: 0,
      errorClass: 'circuit_open',
      breakerState: 'open',
      at: new Date('2025-01-01T10:00:30Z'),
    });
    tally.observe({ ...base, slot: 'crm' });
    tally.observe({ ...base, at: new Date('2025-01-01T10:01:00Z') });
    const rows = tally.drain();
    expect(rows).toHaveLength(3);
    const first = rows.find((row) => row.slot === 'primary' && row.minute.toISOString() === '2025-01-01T10:00:00.000Z');
    expect(first).toMatchObject({ attempts: 2, delivered: 1, latencyMaxMs: 900, lastError: 'circuit_open', breakerState: 'open' });
    // 12 ms falls in the (10, 20] bucket, 900 ms in (500, 1000]
    expect(first?.latencyBuckets.reduce((a, b) => a + b, 0)).toBe(2);
    expect(first?.latencyBuckets[4]).toBe(1);
    expect(first?.latencyBuckets[9]).toBe(1);
    expect(tally.drain()).toEqual([]);
  });
});
