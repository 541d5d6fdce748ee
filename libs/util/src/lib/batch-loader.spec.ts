import { BatchLoader } from './batch-loader';

describe('BatchLoader', () => {
  it('loads the keys asked for in one tick with one call, each caller getting its own value', async () => {
    const calls: string[][] = [];
    const loader = new BatchLoader<string, number | null>(
      (keys) => {
        calls.push(keys);
        return Promise.resolve(new Map(keys.filter((key) => key !== 'z').map((key) => [key, key.charCodeAt(0)])));
      },
      () => null,
    );
    const values = await Promise.all(['a', 'b', 'a', 'z'].map((key) => loader.load(key)));
    expect(values).toEqual([97, 98, 97, null]);
    expect(calls).toEqual([['a', 'b', 'z']]);
    // a later tick is a load of its own: nothing is remembered
    expect(await loader.load('a')).toBe(97);
    expect(calls).toHaveLength(2);
  });

  it('splits a large tick into calls of at most maxBatch keys', async () => {
    const sizes: number[] = [];
    const loader = new BatchLoader<number, number>(
      (keys) => {
        sizes.push(keys.length);
        return Promise.resolve(new Map(keys.map((key) => [key, key * 2])));
      },
      () => -1,
      4,
    );
    const values = await Promise.all(Array.from({ length: 10 }, (_, i) => loader.load(i)));
    expect(values).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('rejects every key of a failed call and loads them again when asked again', async () => {
    let fail = true;
    const loader = new BatchLoader<string, string>(
      (keys) => (fail ? Promise.reject(new Error('db down')) : Promise.resolve(new Map(keys.map((key) => [key, key.toUpperCase()])))),
      () => '',
    );
    const results = await Promise.allSettled([loader.load('a'), loader.load('b')]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await loader.load('a')).toBe('A');
  });
});
