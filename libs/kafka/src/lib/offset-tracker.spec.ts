import { OffsetTracker } from './offset-tracker';

describe('OffsetTracker', () => {
  it('resolves in order even when records finish out of order', () => {
    const tracker = new OffsetTracker();
    for (const offset of ['10', '11', '12', '13']) tracker.start(offset);
    expect(tracker.complete('12')).toBeNull();
    expect(tracker.complete('11')).toBeNull();
    expect(tracker.complete('10')).toBe('12');
    expect(tracker.resolvedOffset).toBe('12');
    expect(tracker.complete('13')).toBe('13');
    expect(tracker.size).toBe(0);
  });

  it('knows what is running or done, and refuses what is already resolved', () => {
    const tracker = new OffsetTracker();
    tracker.start('5');
    tracker.start('6');
    expect(tracker.isStartable('5')).toBe(false);
    expect(tracker.isStartable('7')).toBe(true);
    tracker.complete('6');
    expect(tracker.isStartable('6')).toBe(false);
    tracker.complete('5');
    expect(tracker.isStartable('5')).toBe(false);
    expect(tracker.isStartable('4')).toBe(false);
  });

  it('keeps a failed record blocking the commit until it is started again and done', () => {
    const tracker = new OffsetTracker();
    tracker.start('1');
    tracker.start('2');
    tracker.release('1');
    expect(tracker.isStartable('1')).toBe(true);
    expect(tracker.complete('2')).toBeNull();
    tracker.start('1');
    expect(tracker.complete('1')).toBe('2');
  });

  it('handles offsets beyond 2^53 and gaps', () => {
    const tracker = new OffsetTracker();
    tracker.start('9007199254740993');
    tracker.start('9007199254740999');
    expect(tracker.complete('9007199254740999')).toBeNull();
    expect(tracker.complete('9007199254740993')).toBe('9007199254740999');
  });

  it('keeps the order when an offset is tracked late', () => {
    const tracker = new OffsetTracker();
    tracker.start('3');
    tracker.start('1');
    expect(tracker.complete('3')).toBeNull();
    expect(tracker.complete('1')).toBe('3');
  });

  it('ignores completions of offsets it never tracked', () => {
    expect(new OffsetTracker().complete('1')).toBeNull();
  });
});
