import { Injectable } from '@nestjs/common';
import { ChannelRepository } from './channel.repository';
import type { Attribution } from './metering-batch';

/** A channel's client never changes, so a known number can be cached for a while. */
const KNOWN_TTL_MS = 60_000;
/** Short, so a channel onboarded moments ago is found on the next batch. */
const UNKNOWN_TTL_MS = 5_000;
const MAX_ENTRIES = 50_000;

interface Entry {
  attribution: Attribution | null;
  expiresAt: number;
}

/** Resolves business phone_number_ids to the client and channel they belong to, with a brief cache. */
@Injectable()
export class ChannelDirectoryService {
  private readonly cache = new Map<string, Entry>();

  constructor(private readonly channels: ChannelRepository) {}

  /** Every given number mapped to its attribution, or to null when no channel has it. */
  async resolve(phoneNumberIds: Iterable<string>, now = Date.now()): Promise<Map<string, Attribution | null>> {
    const result = new Map<string, Attribution | null>();
    const missing: string[] = [];
    for (const id of new Set(phoneNumberIds)) {
      const entry = this.cache.get(id);
      if (entry && entry.expiresAt > now) result.set(id, entry.attribution);
      else missing.push(id);
    }
    if (missing.length === 0) return result;

    const found = await this.channels.attributions(missing);
    if (this.cache.size + missing.length > MAX_ENTRIES) this.cache.clear();
    for (const id of missing) {
      const attribution = found.get(id) ?? null;
      this.cache.set(id, { attribution, expiresAt: now + (attribution ? KNOWN_TTL_MS : UNKNOWN_TTL_MS) });
      result.set(id, attribution);
    }
    return result;
  }
}
