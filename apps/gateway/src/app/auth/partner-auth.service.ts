import { Inject, Injectable } from '@nestjs/common';
import { metricsRegistry } from '@wabridge/observability';
import { Counter } from 'prom-client';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { ApiKeysRepository } from '../data/api-keys.repository';
import { SendRateLimiter } from '../messages/send-rate-limiter';
import { hashApiKey, isPlausibleApiKey } from './api-key';

const budgetRefusals = new Counter({
  name: 'wabridge_gateway_auth_lookup_budget_exhausted_total',
  help: 'Keys of the right format, not known valid, refused without a database lookup because the global budget for such lookups was spent',
  registers: [metricsRegistry],
});

/** A key seen valid this recently is looked up again without spending the unknown-key budget. */
const KNOWN_VALID_MS = 10 * 60_000;

/** The channel a valid key belongs to. */
export interface PartnerChannel {
  keyId: string;
  /** the key's partner slot: what it binds, lists and recovers is that slot's (sends are the channel's) */
  slot: string;
  channelId: string;
  clientId: string;
  phoneNumberId: string;
  wabaId: string;
  displayPhoneNumber: string;
}

interface CacheEntry {
  channel: PartnerChannel | null;
  expiresAt: number;
}

/**
 * A revoked key must be refused within 1 s on every instance, and instances do not talk to each
 * other, so answers are cached for half of that and then looked up again.
 */
export const KEY_CACHE_TTL_MS = 500;
const CACHE_MAX_ENTRIES = 50000;

/** Resolves partner API keys to channels; only the key's hash is ever looked up or kept. */
@Injectable()
export class PartnerAuthService {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly pending = new Map<string, Promise<PartnerChannel | null>>();
  /** hashes of keys found valid, until when: they never wait on the unknown-key budget */
  private readonly knownValid = new Map<string, number>();
  /**
   * One global bucket for lookups of keys not known valid: a flood of made-up keys costs the database
   * at most this many queries per second, whatever the number of attackers.
   */
  private readonly unknownKeyBudget: SendRateLimiter;

  constructor(
    private readonly apiKeys: ApiKeysRepository,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.unknownKeyBudget = new SendRateLimiter(config.unknownKeyLookupsPerSecond, config.unknownKeyLookupsPerSecond * 2);
  }

  async authenticate(key: string | undefined): Promise<PartnerChannel | null> {
    if (key === undefined || !isPlausibleApiKey(key)) return null;
    const hash = hashApiKey(key);
    const cached = this.cache.get(hash);
    if (cached && cached.expiresAt > Date.now()) return cached.channel;
    // concurrent requests with the same key share one lookup
    let lookup = this.pending.get(hash);
    if (!lookup) {
      if ((this.knownValid.get(hash) ?? 0) < Date.now() && !this.unknownKeyBudget.take('unknown').allowed) {
        budgetRefusals.inc();
        return null;
      }
      lookup = this.lookup(hash).finally(() => this.pending.delete(hash));
      this.pending.set(hash, lookup);
    }
    return lookup;
  }

  /** Drops this instance's cached answers for a channel whose keys just changed. */
  forgetChannel(channelId: string): void {
    for (const [hash, entry] of this.cache) {
      if (entry.channel?.channelId === channelId) this.cache.delete(hash);
    }
  }

  private async lookup(hash: string): Promise<PartnerChannel | null> {
    const channel: PartnerChannel | null = await this.apiKeys.ownerOf(hash);
    if (this.cache.size >= CACHE_MAX_ENTRIES) this.evictExpired();
    this.cache.set(hash, { channel, expiresAt: Date.now() + KEY_CACHE_TTL_MS });
    if (channel) {
      if (this.knownValid.size >= CACHE_MAX_ENTRIES) this.knownValid.clear();
      this.knownValid.set(hash, Date.now() + KNOWN_VALID_MS);
    }
    return channel;
  }

  private evictExpired(): void {
    const now = Date.now();
    for (const [hash, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(hash);
    // still full of live entries (a flood of distinct keys): start over rather than grow without bound
    if (this.cache.size >= CACHE_MAX_ENTRIES) this.cache.clear();
  }
}
