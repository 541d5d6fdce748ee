import { MemberWatchdog, type StuckReason } from './member-watchdog';

describe('MemberWatchdog', () => {
  let now = 0;
  let stuck: StuckReason[] = [];
  const watchdog = (): MemberWatchdog =>
    new MemberWatchdog({ rejoinDeadlineMs: 30_000, stallMs: 60_000, now: () => now, onStuck: (reason) => stuck.push(reason) });

  beforeEach(() => {
    now = 1_000_000;
    stuck = [];
  });

  it('says nothing while the member fetches, however long it runs', () => {
    const dog = watchdog();
    dog.joined();
    for (let i = 0; i < 100; i++) {
      now += 1000;
      dog.activity();
      expect(dog.check()).toBeUndefined();
    }
    expect(stuck).toEqual([]);
  });

  it('gives a crashed member the rejoin deadline, and no more', () => {
    const dog = watchdog();
    dog.joined();
    dog.crashed();
    now += 29_999;
    expect(dog.check()).toBeUndefined();
    now += 1;
    expect(dog.check()).toBe('not-rejoined');
    expect(stuck).toEqual(['not-rejoined']);
  });

  it('counts the deadline from the first crash: kafkajs restarting and crashing again does not reset it', () => {
    const dog = watchdog();
    dog.joined();
    dog.crashed();
    now += 20_000;
    dog.crashed();
    dog.activity();
    now += 10_000;
    expect(dog.check()).toBe('not-rejoined');
  });

  it('is satisfied by a rejoin within the deadline', () => {
    const dog = watchdog();
    dog.joined();
    dog.crashed();
    now += 25_000;
    dog.joined();
    now += 25_000;
    expect(dog.check()).toBeUndefined();
  });

  it('gives the replacement the same deadline, and fires again if it does not join either', () => {
    const dog = watchdog();
    dog.joined();
    dog.crashed();
    now += 30_000;
    expect(dog.check()).toBe('not-rejoined');
    now += 29_000;
    expect(dog.check()).toBeUndefined();
    now += 1000;
    expect(dog.check()).toBe('not-rejoined');
    expect(stuck).toHaveLength(2);
  });

  it('finds a member in its group with no fetch or heartbeat for the stall time stalled', () => {
    const dog = watchdog();
    dog.joined();
    now += 59_999;
    expect(dog.check()).toBeUndefined();
    now += 1;
    expect(dog.check()).toBe('stalled');
  });

  it('does not count a long batch call as a stall, but counts from its end', () => {
    const dog = watchdog();
    dog.joined();
    dog.batchStarted();
    now += 120_000;
    expect(dog.check()).toBeUndefined();
    dog.batchEnded();
    now += 59_999;
    expect(dog.check()).toBeUndefined();
    now += 1;
    expect(dog.check()).toBe('stalled');
  });

  it("forgets a replaced member's batch calls: one that never ends does not keep its replacement from being checked", () => {
    const dog = watchdog();
    dog.joined();
    now += 60_000;
    dog.batchStarted();
    dog.crashed();
    now += 30_000;
    expect(dog.check()).toBe('not-rejoined');
    dog.joined();
    now += 60_000;
    expect(dog.check()).toBe('stalled');
  });

  it('checks on its own timer once started, and not after stop', () => {
    jest.useFakeTimers();
    try {
      const dog = new MemberWatchdog({ rejoinDeadlineMs: 1000, stallMs: 60_000, onStuck: (reason) => stuck.push(reason) });
      dog.start();
      dog.joined();
      dog.crashed();
      jest.advanceTimersByTime(1250);
      expect(stuck).toEqual(['not-rejoined']);
      dog.stop();
      jest.advanceTimersByTime(10_000);
      expect(stuck).toEqual(['not-rejoined']);
    } finally {
      jest.useRealTimers();
    }
  });

  describe('with a lag probe', () => {
    let waiting = true;
    let asked = 0;
    const probedBy = (lagging: () => Promise<boolean>): MemberWatchdog =>
      new MemberWatchdog({ rejoinDeadlineMs: 30_000, stallMs: 60_000, now: () => now, onStuck: (reason) => stuck.push(reason), lagging });
    const probed = (): MemberWatchdog =>
      probedBy(() => {
        asked += 1;
        return Promise.resolve(waiting);
      });

    beforeEach(() => {
      waiting = true;
      asked = 0;
    });

    it('finds a member that fetches but starts no batch call while records wait stuck', async () => {
      const dog = probed();
      dog.joined();
      now += 59_000;
      dog.activity();
      expect(await dog.checkProgress()).toBeUndefined();
      expect(asked).toBe(0);
      now += 1000;
      dog.activity();
      expect(dog.check()).toBeUndefined();
      expect(await dog.checkProgress()).toBe('no-progress');
      expect(stuck).toEqual(['no-progress']);
    });

    it('leaves an idle member alone when nothing waits, and one whose batch calls keep starting', async () => {
      const dog = probed();
      dog.joined();
      now += 60_000;
      waiting = false;
      expect(await dog.checkProgress()).toBeUndefined();
      waiting = true;
      dog.batchStarted();
      dog.batchEnded();
      now += 30_000;
      expect(await dog.checkProgress()).toBeUndefined();
      expect(stuck).toEqual([]);
    });

    it('does not count a probe that fails as records waiting', async () => {
      const dog = probedBy(() => Promise.reject(new Error('broker away')));
      dog.joined();
      now += 60_000;
      expect(await dog.checkProgress()).toBeUndefined();
    });

    it('does not fire when the member left its group while the probe was out', async () => {
      let answer: (value: boolean) => void = () => undefined;
      const dog = probedBy(() => new Promise<boolean>((resolve) => (answer = resolve)));
      dog.joined();
      now += 60_000;
      const pending = dog.checkProgress();
      dog.crashed();
      answer(true);
      expect(await pending).toBeUndefined();
      expect(stuck).toEqual([]);
    });
  });
});
