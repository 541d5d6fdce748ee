interface Entry<V> {
  value: V;
  /** when the load that produced the value started: freshness is counted from there */
  loadedAt: number;
}

/**
 * A small read-through cache with single-flight loads: concurrent readers of a missing key share one
 * load, and a value is served for at most `ttlMs` after its load *started*, so it is never older
 * than that bound (the router's "a rebinding is seen within 1 s" rests on it). Failed loads are not
 * cached.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private readonly loading = new Map<K, Promise<V>>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  async get(key: K, load: () => Promise<V>): Promise<V> {
    const entry = this.entries.get(key);
    if (entry && this.clock() - entry.loadedAt < this.ttlMs) return entry.value;
    const pending = this.loading.get(key);
    if (pending) return pending;
    const loadedAt = this.clock();
    const generation = this.generation;
    const promise = load().then(
      (value) => {
        this.loading.delete(key);
        // a load that raced an invalidation may hold stale data: serve it to its callers, keep it out of the cache
        if (generation === this.generation) this.store(key, { value, loadedAt });
        return value;
      },
      (error: unknown) => {
        this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, promise);
    return promise;
  }

  /** Forgets a key, and makes loads already in flight not cache their result. */
  invalidate(key: K): void {
    this.entries.delete(key);
    this.loading.delete(key);
    this.generation += 1;
  }

  /** Forgets the keys whose cached value matches, and makes loads already in flight not cache their result. */
  invalidateWhere(matches: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) if (matches(entry.value)) this.entries.delete(key);
    this.generation += 1;
  }

  /** Forgets everything, including loads in flight. */
  clear(): void {
    this.entries.clear();
    this.loading.clear();
    this.generation += 1;
  }

  private store(key: K, entry: Entry<V>): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) {
      // Map keeps insertion order: the first key is the least recently loaded
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}
