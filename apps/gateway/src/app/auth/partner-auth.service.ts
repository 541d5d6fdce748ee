import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { metricsRegistry } from '@wabridge/observability';
import { PinoLogger } from 'nestjs-pino';
import { Counter } from 'prom-client';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { ApiKeysRepository, type KeyOwner } from '../data/api-keys.repository';
import { SendRateLimiter } from '../messages/send-rate-limiter';
import { hashApiKey, isPlausibleApiKey } from './api-key';

const budgetRefusals = new Counter({
  name: 'wabridge_gateway_auth_lookup_budget_exhausted_total',
  help: 'Keys of the right format, not known valid, refused without a database lookup because the global budget for such lookups was spent',
  registers: [metricsRegistry],
});

const keyQueries = new Counter({
  name: 'wabridge_gateway_auth_key_queries_total',
  help: 'PostgreSQL queries for partner keys: `lookup` for one key not cached, `refresh` for all cached keys at once',
  labelNames: ['kind', 'outcome'] as const,
  registers: [metricsRegistry],
});

/** A key seen valid this recently is looked up again without spending the unknown-key budget. */
const KNOWN_VALID_MS = 10 * 60_000;

/** The channel a valid key belongs to: the repository's answer, as the partner API's guards and services see it. */
export type PartnerChannel = KeyOwner;

/**
 * A revoked key must be refused within 1 s on every instance, and instances do not talk to each
 * other: a valid key's answer is served only while a query started less than this long ago confirmed it.
 */
export const KEY_CONFIRMED_MAX_AGE_MS = 1000;
/** How often all cached valid keys are re-checked, in one query: twice per bound, so one slow or failed refresh is absorbed. */
export const KEY_REFRESH_INTERVAL_MS = 500;
/**
 * A key not used for this long leaves the refreshed set, so the query covers the keys in use, not every key
 * ever seen. Keeping an idle key costs one index probe in a query that runs anyway; dropping it costs its
 * next request a lookup on the request path (what the refresh is for). So the window is generous: a partner
 * pausing for less than half a minute comes back without waiting for PostgreSQL.
 */
export const KEY_IDLE_MS = 30_000;
/** Unknown or revoked keys: refused from memory this long, then looked up again (within the budget). */
export const UNKNOWN_KEY_TTL_MS = 500;
const CACHE_MAX_ENTRIES = 50000;

interface ValidKey {
  channel: PartnerChannel;
  /** when the last query that found it valid started: the revocation bound counts from there */
  confirmedAt: number;
  usedAt: number;
}

/** The unknown-key budget refused a lookup. */
class BudgetSpent extends Error {}

/** Resolves partner API keys to channels; only the key's hash is ever looked up or kept. */
@Injectable()
export class PartnerAuthService implements OnModuleInit, OnModuleDestroy {
  /** valid keys by hash, served from memory while confirmed and re-checked together by `refresh` */
  private readonly valid = new Map<string, ValidKey>();
  /** hashes found unknown or revoked, until when */
  private readonly unknown = new Map<string, number>();
  /** lookups in flight: concurrent requests with the same uncached key share one */
  private readonly lookups = new Map<string, Promise<PartnerChannel | null>>();
  /** bumped by forgetChannel: a lookup that started before must not cache what it read */
  private generation = 0;
  /** hashes of keys found valid, until when: they never wait on the unknown-key budget */
  private readonly knownValid = new Map<string, number>();
  /**
   * One global bucket for lookups of keys not known valid: a flood of made-up keys costs the database
   * at most this many queries per second, whatever the number of attackers.
   */
  private readonly unknownKeyBudget: SendRateLimiter;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    private readonly apiKeys: ApiKeysRepository,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(PartnerAuthService.name);
    this.unknownKeyBudget = new SendRateLimiter(config.unknownKeyLookupsPerSecond, config.unknownKeyLookupsPerSecond * 2);
  }

  onModuleInit(): void {
    this.stopped = false;
    this.schedule(KEY_REFRESH_INTERVAL_MS);
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  async authenticate(key: string | undefined): Promise<PartnerChannel | null> {
    if (key === undefined || !isPlausibleApiKey(key)) return null;
    const hash = hashApiKey(key);
    const now = Date.now();
    const cached = this.valid.get(hash);
    if (cached && now - cached.confirmedAt < KEY_CONFIRMED_MAX_AGE_MS) {
      cached.usedAt = now;
      return cached.channel;
    }
    if ((this.unknown.get(hash) ?? 0) > now) return null;
    try {
      return await (this.lookups.get(hash) ?? this.startLookup(hash));
    } catch (error) {
      // a refusal is not cached: the next request asks the budget again
      if (error instanceof BudgetSpent) return null;
      throw error;
    }
  }

  /** Drops this instance's cached answers for a channel whose keys just changed. */
  forgetChannel(channelId: string): void {
    for (const [hash, entry] of this.valid) if (entry.channel.channelId === channelId) this.valid.delete(hash);
    // lookups in flight may have read the old keys: later requests start their own
    this.lookups.clear();
    this.generation += 1;
  }

  private startLookup(hash: string): Promise<PartnerChannel | null> {
    const lookup: Promise<PartnerChannel | null> = this.lookupWithinBudget(hash).finally(() => {
      if (this.lookups.get(hash) === lookup) this.lookups.delete(hash);
    });
    this.lookups.set(hash, lookup);
    return lookup;
  }

  /** Only here, where no answer is cached, is a lookup of a key not known valid charged to the budget. */
  private async lookupWithinBudget(hash: string): Promise<PartnerChannel | null> {
    if ((this.knownValid.get(hash) ?? 0) < Date.now() && !this.unknownKeyBudget.take('unknown').allowed) {
      budgetRefusals.inc();
      throw new BudgetSpent();
    }
    const startedAt = Date.now();
    const generation = this.generation;
    let channel: PartnerChannel | null;
    try {
      channel = await this.apiKeys.ownerOf(hash);
    } catch (error) {
      keyQueries.inc({ kind: 'lookup', outcome: 'failed' });
      throw error;
    }
    keyQueries.inc({ kind: 'lookup', outcome: 'ok' });
    // an answer that raced forgetChannel may be stale: its callers get it, the cache does not
    if (generation === this.generation) this.store(hash, channel, startedAt);
    return channel;
  }

  private store(hash: string, channel: PartnerChannel | null, startedAt: number): void {
    if (!channel) {
      this.valid.delete(hash);
      this.knownValid.delete(hash);
      if (this.unknown.size >= CACHE_MAX_ENTRIES) this.unknown.clear();
      this.unknown.set(hash, startedAt + UNKNOWN_KEY_TTL_MS);
      return;
    }
    this.unknown.delete(hash);
    this.valid.delete(hash);
    this.valid.set(hash, { channel, confirmedAt: startedAt, usedAt: Date.now() });
    if (this.valid.size > CACHE_MAX_ENTRIES) {
      // Map keeps insertion order: the first key is the least recently looked up
      const oldest = this.valid.keys().next();
      if (!oldest.done) this.valid.delete(oldest.value);
    }
    if (this.knownValid.size >= CACHE_MAX_ENTRIES) this.knownValid.clear();
    this.knownValid.set(hash, Date.now() + KNOWN_VALID_MS);
  }

  /** The next refresh, one interval after the last one started; one at a time, and never after the module stopped. */
  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const startedAt = Date.now();
      void this.refresh().then(() => this.schedule(Math.max(0, startedAt + KEY_REFRESH_INTERVAL_MS - Date.now())));
    }, delayMs);
    this.timer.unref();
  }

  /**
   * Re-checks every valid key used lately in one query. A key missing from the answer was revoked and
   * goes at once; a failed query changes nothing, so its keys age past the bound and are looked up again.
   * Never throws.
   */
  async refresh(): Promise<void> {
    const startedAt = Date.now();
    const checked = new Map<string, ValidKey>();
    for (const [hash, entry] of this.valid) {
      if (startedAt - entry.usedAt > KEY_IDLE_MS) this.valid.delete(hash);
      else checked.set(hash, entry);
    }
    if (checked.size === 0) return;
    let owners: Map<string, KeyOwner>;
    try {
      owners = await this.apiKeys.ownersOf([...checked.keys()]);
    } catch (error) {
      keyQueries.inc({ kind: 'refresh', outcome: 'failed' });
      // the error's class only: a driver message could echo parameters, and these are key hashes
      this.logger.warn(
        { error: (error as Error)?.name ?? typeof error, keys: checked.size },
        'partner key refresh failed; keys are looked up again once unconfirmed for 1 s',
      );
      return;
    }
    keyQueries.inc({ kind: 'refresh', outcome: 'ok' });
    for (const [hash, entry] of checked) {
      // replaced or forgotten while the query ran: what it read is not about this entry
      if (this.valid.get(hash) !== entry) continue;
      const owner = owners.get(hash);
      if (owner) {
        entry.channel = owner;
        entry.confirmedAt = Math.max(entry.confirmedAt, startedAt);
      } else {
        this.valid.delete(hash);
        this.knownValid.delete(hash);
      }
    }
  }
}
