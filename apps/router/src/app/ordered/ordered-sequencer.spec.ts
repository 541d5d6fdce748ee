import { OrderedSequencer, PairBlockedError } from './ordered-sequencer';

/** A promise the test resolves or rejects by hand. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('OrderedSequencer', () => {
  it('runs a pair’s jobs in reservation order even when later records learn their jobs first', async () => {
    const sequencer = new OrderedSequencer();
    const ran: string[] = [];
    const first = sequencer.reserve('k', 1n);
    const second = sequencer.reserve('k', 2n);
    const secondDone = second.enter([{ pair: 'p', run: () => Promise.resolve(ran.push('second')) }]);
    await flush();
    expect(ran).toEqual([]);
    await first.enter([{ pair: 'p', run: () => Promise.resolve(ran.push('first')) }]);
    await secondDone;
    expect(ran).toEqual(['first', 'second']);
  });

  it('does not hold up another pair of the same key, or another key', async () => {
    const sequencer = new OrderedSequencer();
    const slow = deferred();
    const first = sequencer.reserve('k', 1n).enter([{ pair: 'slow', run: () => slow.promise }]);
    const otherPair = sequencer.reserve('k', 2n).enter([{ pair: 'fast', run: () => Promise.resolve('fast') }]);
    const otherKey = sequencer.reserve('k2', 1n).enter([{ pair: 'slow', run: () => Promise.resolve('other key') }]);
    expect(await otherPair).toEqual([{ status: 'fulfilled', value: 'fast' }]);
    expect(await otherKey).toEqual([{ status: 'fulfilled', value: 'other key' }]);
    slow.resolve();
    await first;
    expect(sequencer.size).toBe(0);
  });

  it('a record without ordered jobs still lets the next one in', async () => {
    const sequencer = new OrderedSequencer();
    const none = sequencer.reserve('k', 1n);
    const next = sequencer.reserve('k', 2n).enter([{ pair: 'p', run: () => Promise.resolve(1) }]);
    await none.enter([]);
    expect(await next).toEqual([{ status: 'fulfilled', value: 1 }]);
  });

  it('a failed job blocks its pair’s later jobs until the failed record enters again', async () => {
    const sequencer = new OrderedSequencer();
    const failing = sequencer.reserve('k', 5n).enter([{ pair: 'p', run: () => Promise.reject(new Error('kafka down')) }]);
    const later = sequencer.reserve('k', 6n).enter([{ pair: 'p', run: () => Promise.resolve('too early') }]);
    const unrelated = sequencer.reserve('k', 7n).enter([{ pair: 'q', run: () => Promise.resolve('q') }]);
    expect((await failing)[0]).toMatchObject({ status: 'rejected' });
    const [blocked] = await later;
    expect(blocked.status === 'rejected' && blocked.reason).toBeInstanceOf(PairBlockedError);
    expect(await unrelated).toEqual([{ status: 'fulfilled', value: 'q' }]);
    // a fresh record after the poison point is refused too
    const [fresh] = await sequencer.reserve('k', 8n).enter([{ pair: 'p', run: () => Promise.resolve('fresh') }]);
    expect(fresh.status).toBe('rejected');
    expect(sequencer.size).toBe(1);
    // the failed record comes back: the pair is open again, in order
    expect(await sequencer.reserve('k', 5n).enter([{ pair: 'p', run: () => Promise.resolve('again') }])).toEqual([{ status: 'fulfilled', value: 'again' }]);
    expect(await sequencer.reserve('k', 6n).enter([{ pair: 'p', run: () => Promise.resolve('next') }])).toEqual([{ status: 'fulfilled', value: 'next' }]);
    expect(sequencer.size).toBe(0);
  });

  it('reset forgets poisoned pairs (the partition may have moved on elsewhere)', async () => {
    const sequencer = new OrderedSequencer();
    await sequencer.reserve('k', 1n).enter([{ pair: 'p', run: () => Promise.reject(new Error('down')) }]);
    sequencer.reset();
    expect(await sequencer.reserve('k', 9n).enter([{ pair: 'p', run: () => Promise.resolve('ok') }])).toEqual([{ status: 'fulfilled', value: 'ok' }]);
  });

  it('refuses a second enter of one reservation', async () => {
    const reservation = new OrderedSequencer().reserve('k', 1n);
    await reservation.enter([]);
    await expect(reservation.enter([])).rejects.toThrow('once');
  });
});
