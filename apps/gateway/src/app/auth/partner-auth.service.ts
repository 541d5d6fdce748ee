import { Inject, Injectable } from '@nestjs/common';
import { metricsRegistry } from '@wabridge/observability';
import { TtlCache } from '@wabridge/util';
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

/** A key seen valid this recently is looked up again without spending the unknown-key budget. */
const KNOWN_VALID_MS = 10 * 60_000;

/** The channel a valid key belongs to: the repository's answer, as the partner API's guards and services see it. */
export type PartnerChannel = KeyOwner;

/**
 * A revoked key must be refused within 1 s on every instance, and instances do not talk to each
 * other, so answers are cached for half of that and then looked up again.
 */
export const KEY_CACHE_TTL_MS = 500;
const CACHE_MAX_ENTRIES = 50000;

/** The unknown-key budget refused a lookup. */
class BudgetSpent extends Error {}

/** Resolves partner API keys to channels; only the key's hash is ever looked up or kept. */
@Injectable()
export class PartnerAuthService {
  /** answers by key hash; concurrent requests with the same key share one lookup */
  private readonly cache = new TtlCache<string, PartnerChannel | null>(KEY_CACHE_TTL_MS, CACHE_MAX_ENTRIES);
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
    try {
      return await this.cache.get(hash, () => this.lookupWithinBudget(hash));
    } catch (error) {
      // a refusal is not cached (TtlCache keeps no failures): the next request asks the budget again
      if (error instanceof BudgetSpent) return null;
      throw error;
    }
  }

  /** Drops this instance's cached answers for a channel whose keys just changed. */
  forgetChannel(channelId: string): void {
    this.cache.invalidateWhere((channel) => channel?.channelId === channelId);
  }

  /** Only here, where no answer is cached, is a lookup of a key not known valid charged to the budget. */
  private async lookupWithinBudget(hash: string): Promise<PartnerChannel | null> {
    if ((this.knownValid.get(hash) ?? 0) < Date.now() && !this.unknownKeyBudget.take('unknown').allowed) {
      budgetRefusals.inc();
      throw new BudgetSpent();
    }
    return this.lookup(hash);
  }

  private async lookup(hash: string): Promise<PartnerChannel | null> {
    const channel: PartnerChannel | null = await this.apiKeys.ownerOf(hash);
    if (channel) {
      if (this.knownValid.size >= CACHE_MAX_ENTRIES) this.knownValid.clear();
      this.knownValid.set(hash, Date.now() + KNOWN_VALID_MS);
    }
    return channel;
  }
}
