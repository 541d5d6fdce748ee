/**
 * Coalesces lookups by key: the keys asked for while one macrotask runs (e.g. every record of a
 * Kafka batch, started in one loop) are loaded together by one call of `loadMany`, at most
 * `maxBatch` keys per call. A key `loadMany` does not answer gets `missing`. A failed call rejects
 * every key it held; nothing is remembered, so the next ask loads again (caching is the caller's,
 * e.g. TtlCache, whose freshness counts from the ask, before the load).
 */
export class BatchLoader<K, V> {
  private queued = new Map<K, { resolve: (value: V) => void; reject: (error: unknown) => void }[]>();
  private scheduled = false;

  constructor(
    private readonly loadMany: (keys: K[]) => Promise<Map<K, V>>,
    private readonly missing: () => V,
    private readonly maxBatch = 500,
  ) {}

  load(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      const waiting = this.queued.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.queued.set(key, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const queued = this.queued;
    this.queued = new Map();
    this.scheduled = false;
    const keys = [...queued.keys()];
    for (let start = 0; start < keys.length; start += this.maxBatch) {
      const batch = keys.slice(start, start + this.maxBatch);
      this.loadMany(batch).then(
        (values) => {
          for (const key of batch) {
            const value = values.has(key) ? (values.get(key) as V) : this.missing();
            for (const waiter of queued.get(key) ?? []) waiter.resolve(value);
          }
        },
        (error: unknown) => {
          for (const key of batch) for (const waiter of queued.get(key) ?? []) waiter.reject(error);
        },
      );
    }
  }
}
