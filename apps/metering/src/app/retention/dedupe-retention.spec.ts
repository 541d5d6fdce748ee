import { moreToSweep, retentionCutoff } from './dedupe-retention';

describe('retentionCutoff', () => {
  it('is the given number of whole days before now', () => {
    expect(retentionCutoff(new Date('2024-07-05T12:30:00Z'), 35).toISOString()).toBe('2024-05-31T12:30:00.000Z');
    expect(retentionCutoff(new Date('2024-03-01T00:00:00Z'), 1).toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });
});

describe('moreToSweep', () => {
  it('continues after a full batch and stops after a short one', () => {
    expect(moreToSweep(5000, 5000)).toBe(true);
    expect(moreToSweep(4999, 5000)).toBe(false);
    expect(moreToSweep(0, 5000)).toBe(false);
  });
});
