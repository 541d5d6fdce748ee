import { KeyedSemaphore, Semaphore } from './concurrency';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('admits at most limit holders, the rest in arrival order', async () => {
    const semaphore = new Semaphore(2);
    const order: number[] = [];
    const releases = await Promise.all([semaphore.acquire(), semaphore.acquire()]);
    const third = semaphore.acquire().then((release) => (order.push(3), release));
    const fourth = semaphore.acquire().then((release) => (order.push(4), release));
    await tick();
    expect(order).toEqual([]);
    expect(semaphore.queued).toBe(2);
    releases[0]();
    releases[0]();
    await tick();
    expect(order).toEqual([3]);
    releases[1]();
    (await third)();
    (await fourth)();
    expect(order).toEqual([3, 4]);
    expect(semaphore.inUse).toBe(0);
  });
});

describe('KeyedSemaphore', () => {
  it('limits each key on its own', async () => {
    const semaphore = new KeyedSemaphore(1);
    const a = await semaphore.acquire('a');
    const b = await semaphore.acquire('b');
    let secondA = false;
    const waiting = semaphore.acquire('a').then((release) => ((secondA = true), release));
    await tick();
    expect(secondA).toBe(false);
    b();
    a();
    (await waiting)();
    expect(secondA).toBe(true);
  });
});
