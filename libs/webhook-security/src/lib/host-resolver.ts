import { Resolver } from 'node:dns/promises';

export interface ResolvedHostAddress {
  address: string;
  family: 4 | 6;
}

export interface HostResolverOptions {
  /** nameservers (`ip` or `ip:port`); default: the system's (resolv.conf) */
  servers?: string[];
  /** one attempt's timeout; two attempts at most */
  timeoutMs?: number;
  /** the longest an answer is reused (a record's own TTL wins when shorter) */
  cacheMs?: number;
  /** how long a failed lookup is remembered, so a dead nameserver is not asked at every attempt */
  negativeCacheMs?: number;
  maxCachedHosts?: number;
}

interface CacheEntry {
  expiresAt: number;
  addresses?: ResolvedHostAddress[];
  error?: Error;
}

const LOCALHOST: ResolvedHostAddress[] = [{ address: '127.0.0.1', family: 4 }];

function dnsError(code: string, hostname: string): Error {
  return Object.assign(new Error(`${code} ${hostname}`), { code, hostname });
}

/**
 * Host names of partner webhooks resolved the way a shared service needs: through c-ares
 * (node:dns Resolver), never libuv's getaddrinfo pool — four threads that one partner's hanging
 * nameserver could fill, stalling every tenant's connections and the gateway's Graph calls. Each
 * lookup has a timeout; answers are cached briefly (within their TTL); concurrent lookups of one host
 * share one query, so a host costs at most one query in flight however many deliveries wait on it.
 * `localhost` names resolve to 127.0.0.1 without a query (RFC 6761); /etc/hosts is not read.
 */
export class HostResolver {
  private readonly resolver: Resolver;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<ResolvedHostAddress[]>>();
  private readonly cacheMs: number;
  private readonly negativeCacheMs: number;
  private readonly maxCachedHosts: number;
  private readonly deadlineMs: number;

  constructor(options: HostResolverOptions = {}) {
    const timeoutMs = options.timeoutMs ?? 2000;
    this.resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
    if (options.servers && options.servers.length > 0) this.resolver.setServers(options.servers);
    this.cacheMs = options.cacheMs ?? 30_000;
    this.negativeCacheMs = options.negativeCacheMs ?? 5_000;
    this.maxCachedHosts = options.maxCachedHosts ?? 10_000;
    // c-ares' own retries, plus a margin: a lookup never outlives this
    this.deadlineMs = timeoutMs * 2 + 500;
  }

  /** Every address of the name, IPv4 first; rejects with ENOTFOUND or ETIMEOUT. */
  async resolve(hostname: string): Promise<ResolvedHostAddress[]> {
    const host = hostname.toLowerCase().replace(/\.$/, '');
    if (host === 'localhost' || host.endsWith('.localhost')) return LOCALHOST;
    const cached = this.cache.get(host);
    if (cached && cached.expiresAt > Date.now()) {
      if (cached.error) throw cached.error;
      return cached.addresses!;
    }
    let pending = this.inFlight.get(host);
    if (!pending) {
      pending = this.query(host).finally(() => this.inFlight.delete(host));
      this.inFlight.set(host, pending);
    }
    return pending;
  }

  private async query(host: string): Promise<ResolvedHostAddress[]> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(dnsError('ETIMEOUT', host)), this.deadlineMs);
    });
    try {
      const [v4, v6] = await Promise.race([
        Promise.allSettled([this.resolver.resolve4(host, { ttl: true }), this.resolver.resolve6(host, { ttl: true })]),
        deadline,
      ]);
      const records = [
        ...(v4.status === 'fulfilled' ? v4.value.map((record) => ({ ...record, family: 4 as const })) : []),
        ...(v6.status === 'fulfilled' ? v6.value.map((record) => ({ ...record, family: 6 as const })) : []),
      ];
      if (records.length === 0) {
        const reason = v4.status === 'rejected' ? (v4.reason as NodeJS.ErrnoException) : null;
        const code = reason?.code === 'ETIMEOUT' || reason?.code === 'ECONNREFUSED' ? 'ETIMEOUT' : 'ENOTFOUND';
        throw dnsError(code, host);
      }
      const ttlMs = Math.min(this.cacheMs, ...records.map((record) => record.ttl * 1000));
      const addresses = records.map(({ address, family }) => ({ address, family }));
      this.remember(host, { addresses, expiresAt: Date.now() + ttlMs });
      return addresses;
    } catch (error) {
      this.remember(host, { error: error as Error, expiresAt: Date.now() + this.negativeCacheMs });
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private remember(host: string, entry: CacheEntry): void {
    if (this.cache.size >= this.maxCachedHosts) {
      const now = Date.now();
      for (const [key, value] of this.cache) if (value.expiresAt <= now) this.cache.delete(key);
      if (this.cache.size >= this.maxCachedHosts) this.cache.clear();
    }
    this.cache.set(host, entry);
  }
}
