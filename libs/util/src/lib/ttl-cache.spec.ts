import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  it('serves a value until ttl after its load started, then loads again', async () => {
    let now = 1000;
    const cache = new TtlCache<string, number>(500, 100, () => now);
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    expect(await cache.get('a', load)).toBe(1);
    now = 1499;
    expect(await cache.get('a', load)).toBe(1);
    now = 1500;
    expect(await cache.get('a', load)).toBe(2);
  });

  it('shares one load between concurrent readers', async () => {
    const cache = new TtlCache<string, number>(500);
    let loads = 0;
    let release: (value: number) => void = () => undefined;
    const load = () => {
      loads += 1;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const readers = [cache.get('a', load), cache.get('a', load), cache.get('a', load)];
    release(7);
    expect(await Promise.all(readers)).toEqual([7, 7, 7]);
    expect(loads).toBe(1);
  });

  it('does not cache failures', async () => {
    const cache = new TtlCache<string, number>(500);
    await expect(cache.get('a', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.get('a', () => Promise.resolve(3))).toBe(3);
  });

  it('forgets on invalidate, including a load that was in flight', async () => {
    const cache = new TtlCache<string, number>(10_000);
    let release: (value: number) => void = () => undefined;
    const inFlight = cache.get('a', () => new Promise<number>((resolve) => (release = resolve)));
    cache.invalidate('a');
    release(1);
    expect(await inFlight).toBe(1);
    expect(await cache.get('a', () => Promise.resolve(2))).toBe(2);
  });

  it('forgets the values a predicate matches, and keeps the others', async () => {
    const cache = new TtlCache<string, { channel: string }>(10_000);
    await cache.get('a', () => Promise.resolve({ channel: 'c1' }));
    await cache.get('b', () => Promise.resolve({ channel: 'c2' }));
    cache.invalidateWhere((value) => value.channel === 'c1');
    expect(await cache.get('a', () => Promise.resolve({ channel: 'c1-new' }))).toEqual({ channel: 'c1-new' });
    expect(await cache.get('b', () => Promise.resolve({ channel: 'c2-new' }))).toEqual({ channel: 'c2' });
  });

  it('stays bounded', async () => {
    const cache = new TtlCache<number, number>(10_000, 3);
    for (let key = 0; key < 5; key++) await cache.get(key, () => Promise.resolve(key));
    let loads = 0;
    await cache.get(0, () => Promise.resolve(++loads));
    await cache.get(4, () => Promise.resolve(++loads));
    expect(loads).toBe(1);
  });
});
