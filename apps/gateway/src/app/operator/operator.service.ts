import { Injectable } from '@nestjs/common';
import { DEFAULT_PARTNER_SLOT } from '@wabridge/contracts';
import { generateApiKey, hashApiKey } from '../auth/api-key';
import { PartnerAuthService } from '../auth/partner-auth.service';
import { ApiKeysRepository } from '../data/api-keys.repository';
import { ChannelsRepository, type ChannelRow, type ChannelStatusRow } from '../data/channels.repository';
import { ClientsRepository } from '../data/clients.repository';
import { DestinationsRepository } from '../data/destinations.repository';
import { Transactions, type Tx } from '../data/transactions';
import { apiError, ApiException } from '../errors/api-exception';
import { decodeCursor, encodeCursor } from './operator-requests';

export interface ClientView {
  id: string;
  name: string;
  created_at: string;
}

export interface ChannelView {
  id: string;
  client_id: string;
  phone_number_id: string;
  waba_id: string;
  display_phone_number: string;
  created_at: string;
}

/** One partner slot in use: whether it has a key (never the key) and its primary webhook's host only. */
export interface SlotStatusView {
  slot: string;
  key_issued_at: string | null;
  bound: boolean;
  webhook_host: string | null;
  webhook_disabled_at: string | null;
  extra_destinations: number;
}

/**
 * A channel with its binding status: the webhook's host only, never its URL, headers or the key.
 * `bound`/`webhook_host` are slot `1`'s primary webhook (or, without one, the first bound slot's);
 * `slots` lists every slot in use.
 */
export interface ChannelStatusView extends ChannelView {
  partner_slots: number;
  bound: boolean;
  webhook_host: string | null;
  webhook_disabled_at: string | null;
  slots: SlotStatusView[];
}

/** What a freed slot lost. */
export interface SlotReleaseView {
  slot: string;
  keys_revoked: number;
  destinations_dropped: number;
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

function channelView(row: ChannelRow): ChannelView {
  return {
    id: row.id,
    client_id: row.client_id,
    phone_number_id: row.phone_number_id,
    waba_id: row.waba_id,
    display_phone_number: row.display_phone_number,
    created_at: row.created_at.toISOString(),
  };
}

function statusView(row: ChannelStatusRow, slots: SlotStatusView[]): ChannelStatusView {
  return {
    ...channelView(row),
    partner_slots: row.partner_slots,
    bound: row.webhook_url !== null,
    webhook_host: row.webhook_url === null ? null : hostOf(row.webhook_url),
    webhook_disabled_at: row.webhook_disabled_at ? row.webhook_disabled_at.toISOString() : null,
    slots,
  };
}

const quoted = (slots: string[]) => slots.map((slot) => `"${slot}"`).join(', ');

/** A numeric label names a slot by number: it may not exceed the channel's partner_slots. */
function numberedBeyond(slot: string, partnerSlots: number): boolean {
  return /^[0-9]+$/.test(slot) && (Number(slot) < 1 || Number(slot) > partnerSlots);
}

/** Onboarding: clients, channels and their keys. */
@Injectable()
export class OperatorService {
  constructor(
    private readonly transactions: Transactions,
    private readonly clients: ClientsRepository,
    private readonly channels: ChannelsRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly destinations: DestinationsRepository,
    private readonly partnerAuth: PartnerAuthService,
  ) {}

  async createClient(name: string): Promise<ClientView> {
    const row = await this.clients.create(name);
    return { id: row.id, name: row.name, created_at: row.created_at.toISOString() };
  }

  async createChannel(input: Omit<ChannelView, 'id' | 'created_at'>): Promise<ChannelView> {
    const row = await this.channels.create(input);
    if (row === 'phone_number_taken') throw apiError(409, 'phone_number_id is already registered');
    if (row === 'unknown_client') throw apiError(404, 'client_id does not name a known client');
    return channelView(row);
  }

  async listChannels(query: { cursor?: string; limit: number; client_id?: string }): Promise<{ data: ChannelStatusView[]; next_cursor: string | null }> {
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const rows = await this.channels.statusPage({ after, clientId: query.client_id ?? null, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const slots = await this.slotViews(page.map((row) => row.id));
    return {
      data: page.map((row) => statusView(row, slots.get(row.id) ?? [])),
      next_cursor: rows.length > query.limit && last ? encodeCursor(last.created_key, last.id) : null,
    };
  }

  async getChannel(id: string): Promise<ChannelStatusView> {
    const row = await this.channels.status(id);
    if (row === null) throw apiError(404, 'channel not found');
    const slots = await this.slotViews([row.id]);
    return statusView(row, slots.get(row.id) ?? []);
  }

  /** Per channel, its slots in use: key issue time and primary webhook host, never a key or a URL. */
  private async slotViews(channelIds: string[]): Promise<Map<string, SlotStatusView[]>> {
    const [keys, destinations] = await Promise.all([this.apiKeys.issuedBySlot(channelIds), this.destinations.ofChannels(channelIds)]);
    const views = new Map<string, Map<string, SlotStatusView>>();
    const viewOf = (channelId: string, slot: string): SlotStatusView => {
      const ofChannel = views.get(channelId) ?? new Map<string, SlotStatusView>();
      views.set(channelId, ofChannel);
      const existing = ofChannel.get(slot);
      if (existing) return existing;
      const created: SlotStatusView = { slot, key_issued_at: null, bound: false, webhook_host: null, webhook_disabled_at: null, extra_destinations: 0 };
      ofChannel.set(slot, created);
      return created;
    };
    for (const key of keys) viewOf(key.channel_id, key.slot).key_issued_at = key.issued_at.toISOString();
    for (const destination of destinations) {
      const view = viewOf(destination.channel_id, destination.slot);
      if (destination.kind !== 'primary') {
        view.extra_destinations += 1;
        continue;
      }
      view.bound = true;
      view.webhook_host = hostOf(destination.url);
      view.webhook_disabled_at = destination.disabled_at ? destination.disabled_at.toISOString() : null;
    }
    return new Map([...views].map(([channelId, slots]) => [channelId, [...slots.values()].sort((a, b) => a.slot.localeCompare(b.slot))]));
  }

  /**
   * How many partner slots the channel has. Lowering it below the slots in use (or below a numbered
   * slot in use) is refused with a 409 that names them: the operator frees a slot first
   * (releaseSlot), so no partner loses its key by a side effect.
   */
  async setPartnerSlots(channelId: string, partnerSlots: number): Promise<ChannelStatusView> {
    await this.transactions.run(async (tx) => {
      if ((await this.channels.lock(tx, channelId)) === null) throw apiError(404, 'channel not found');
      const inUse = await this.channels.slotsInUse(tx, channelId);
      if (inUse.length > partnerSlots || inUse.some((slot) => numberedBeyond(slot, partnerSlots))) {
        throw new ApiException(409, {
          error:
            `partner_slots cannot be ${partnerSlots}: slot${inUse.length === 1 ? '' : 's'} ${quoted(inUse)} ` +
            `${inUse.length === 1 ? 'is' : 'are'} bound; free a slot with DELETE /admin/v1/channels/${channelId}/slots/{slot} first`,
          bound_slots: inUse,
        });
      }
      await this.channels.setPartnerSlots(tx, channelId, partnerSlots);
    });
    return this.getChannel(channelId);
  }

  /** Frees a slot: its keys are revoked and its destinations dropped. 404 when the slot is not in use. */
  async releaseSlot(channelId: string, slot: string): Promise<SlotReleaseView> {
    const released = await this.transactions.run(async (tx) => {
      if ((await this.channels.lock(tx, channelId)) === null) throw apiError(404, 'channel not found');
      if (!(await this.channels.slotsInUse(tx, channelId)).includes(slot)) throw apiError(404, `slot "${slot}" is not in use on this channel`);
      return this.clearSlot(tx, channelId, slot);
    });
    this.partnerAuth.forgetChannel(channelId);
    return { slot, keys_revoked: released.keys, destinations_dropped: released.destinations };
  }

  /** Revokes a slot's keys and drops its destinations (primary and /multi_webhook extras). */
  private async clearSlot(tx: Tx, channelId: string, slot: string): Promise<{ keys: number; destinations: number }> {
    const keys = await this.apiKeys.revokeSlot(tx, channelId, slot);
    const destinations = await this.destinations.deleteSlot(tx, channelId, slot);
    await this.channels.setMultiWebhook(tx, channelId, slot, false);
    return { keys, destinations };
  }

  /**
   * Issues a new key for a partner slot (default `1`). In one transaction every older key of that slot
   * is revoked and every destination of the slot dropped — the primary binding and the /multi_webhook
   * extras, which the holder of the old key set up: the slot moves to whoever gets the new key, and no
   * copy of its messages keeps flowing to the previous partner (docs/delivery.md). Other slots keep
   * their keys and bindings. With one slot, every older key and destination of the channel goes, as
   * before slots existed. The channel row is locked, so two concurrent re-issues leave exactly one
   * valid key per slot. `NO KEY UPDATE` rather than `UPDATE`: a concurrent
   * primary bind holds its key row and then checks its foreign key on this row (a key-share lock),
   * which `FOR UPDATE` would block — a deadlock.
   */
  async issueKey(channelId: string, slot: string = DEFAULT_PARTNER_SLOT): Promise<{ id: string; api_key: string; slot: string }> {
    const apiKey = generateApiKey();
    const id = await this.transactions.run(async (tx) => {
      const channel = await this.channels.lock(tx, channelId);
      if (channel === null) throw apiError(404, 'channel not found');
      const partnerSlots = channel.partnerSlots;
      if (numberedBeyond(slot, partnerSlots)) {
        throw apiError(400, `slot "${slot}" is beyond this channel's partner_slots (${partnerSlots})`);
      }
      if (partnerSlots === 1) {
        await this.apiKeys.revokeChannel(tx, channelId);
        await this.destinations.deleteChannel(tx, channelId);
        await this.channels.clearMultiWebhook(tx, channelId);
      } else {
        const inUse = await this.channels.slotsInUse(tx, channelId);
        if (!inUse.includes(slot) && inUse.length >= partnerSlots) {
          throw new ApiException(409, {
            error:
              `all ${partnerSlots} partner slots of this channel are in use (${quoted(inUse)}): issue the key for one of them, ` +
              `free one with DELETE /admin/v1/channels/${channelId}/slots/{slot}, or raise partner_slots`,
            bound_slots: inUse,
          });
        }
        await this.clearSlot(tx, channelId, slot);
      }
      return this.apiKeys.insert(tx, channelId, hashApiKey(apiKey), slot);
    });
    // this instance refuses the old keys at once; the others within their cache TTL
    this.partnerAuth.forgetChannel(channelId);
    return { id, api_key: apiKey, slot };
  }
}
