import { Inject, Injectable } from '@nestjs/common';
import { DEFAULT_PARTNER_SLOT } from '@wabridge/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { generateApiKey, hashApiKey } from '../auth/api-key';
import { PartnerAuthService } from '../auth/partner-auth.service';
import { apiError, ApiException } from '../errors/api-exception';
import { GATEWAY_DATA_SOURCE } from '../infra/infra.module';
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

interface ChannelRow {
  id: string;
  client_id: string;
  phone_number_id: string;
  waba_id: string;
  display_phone_number: string;
  created_at: Date;
}

interface ChannelStatusRow extends ChannelRow {
  partner_slots: number;
  created_key: string;
  webhook_url: string | null;
  webhook_disabled_at: Date | null;
}

const PG_UNIQUE_VIOLATION = '23505';
const PG_FOREIGN_KEY_VIOLATION = '23503';

function pgCode(error: unknown): string | undefined {
  const { code, driverError } = error as { code?: string; driverError?: { code?: string } };
  return driverError?.code ?? code;
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

const CHANNEL_STATUS_SELECT = `
  SELECT c.id, c.client_id, c.phone_number_id, c.waba_id, c.display_phone_number, c.created_at, c.partner_slots,
         to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_key,
         d.url AS webhook_url, d.disabled_at AS webhook_disabled_at
    FROM channels c
    LEFT JOIN LATERAL (
      SELECT url, disabled_at FROM webhook_destinations
       WHERE channel_id = c.id AND kind = 'primary' AND name = 'primary'
       ORDER BY slot = '1' DESC, slot LIMIT 1
    ) d ON true`;

/** The slots in use on a channel: those with a valid key or a destination, in label order. */
async function slotsInUse(manager: EntityManager, channelId: string): Promise<string[]> {
  const rows: { slot: string }[] = await manager.query(
    `SELECT slot FROM api_keys WHERE channel_id = $1 AND revoked_at IS NULL
      UNION SELECT slot FROM webhook_destinations WHERE channel_id = $1
      ORDER BY slot`,
    [channelId],
  );
  return rows.map((row) => row.slot);
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
    @Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly partnerAuth: PartnerAuthService,
  ) {}

  async createClient(name: string): Promise<ClientView> {
    const [row]: { id: string; name: string; created_at: Date }[] = await this.dataSource.query(
      `INSERT INTO clients (name) VALUES ($1) RETURNING id, name, created_at`,
      [name],
    );
    return { id: row.id, name: row.name, created_at: row.created_at.toISOString() };
  }

  async createChannel(input: Omit<ChannelView, 'id' | 'created_at'>): Promise<ChannelView> {
    try {
      const [row]: ChannelRow[] = await this.dataSource.query(
        `INSERT INTO channels (client_id, phone_number_id, waba_id, display_phone_number)
         VALUES ($1, $2, $3, $4)
         RETURNING id, client_id, phone_number_id, waba_id, display_phone_number, created_at`,
        [input.client_id, input.phone_number_id, input.waba_id, input.display_phone_number],
      );
      return channelView(row);
    } catch (error) {
      if (pgCode(error) === PG_UNIQUE_VIOLATION) throw apiError(409, 'phone_number_id is already registered');
      if (pgCode(error) === PG_FOREIGN_KEY_VIOLATION) throw apiError(404, 'client_id does not name a known client');
      throw error;
    }
  }

  async listChannels(query: { cursor?: string; limit: number; client_id?: string }): Promise<{ data: ChannelStatusView[]; next_cursor: string | null }> {
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const rows: ChannelStatusRow[] = await this.dataSource.query(
      `${CHANNEL_STATUS_SELECT}
        WHERE ($1::timestamptz IS NULL OR (c.created_at, c.id) > ($1::timestamptz, $2::uuid))
          AND ($3::uuid IS NULL OR c.client_id = $3::uuid)
        ORDER BY c.created_at, c.id
        LIMIT $4`,
      [after?.createdAt ?? null, after?.id ?? null, query.client_id ?? null, query.limit + 1],
    );
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const slots = await this.slotViews(page.map((row) => row.id));
    return {
      data: page.map((row) => statusView(row, slots.get(row.id) ?? [])),
      next_cursor: rows.length > query.limit && last ? encodeCursor(last.created_key, last.id) : null,
    };
  }

  async getChannel(id: string): Promise<ChannelStatusView> {
    const rows: ChannelStatusRow[] = await this.dataSource.query(`${CHANNEL_STATUS_SELECT} WHERE c.id = $1`, [id]);
    if (rows.length === 0) throw apiError(404, 'channel not found');
    const slots = await this.slotViews([rows[0].id]);
    return statusView(rows[0], slots.get(rows[0].id) ?? []);
  }

  /** Per channel, its slots in use: key issue time and primary webhook host, never a key or a URL. */
  private async slotViews(channelIds: string[]): Promise<Map<string, SlotStatusView[]>> {
    const [keys, destinations] = await Promise.all([
      this.dataSource.query<{ channel_id: string; slot: string; issued_at: Date }[]>(
        `SELECT channel_id, slot, max(created_at) AS issued_at FROM api_keys
          WHERE channel_id = ANY ($1::uuid[]) AND revoked_at IS NULL GROUP BY channel_id, slot`,
        [channelIds],
      ),
      this.dataSource.query<{ channel_id: string; slot: string; kind: string; url: string; disabled_at: Date | null }[]>(
        `SELECT channel_id, slot, kind, url, disabled_at FROM webhook_destinations WHERE channel_id = ANY ($1::uuid[])`,
        [channelIds],
      ),
    ]);
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
    return new Map(
      [...views].map(([channelId, slots]) => [channelId, [...slots.values()].sort((a, b) => a.slot.localeCompare(b.slot))]),
    );
  }

  /**
   * How many partner slots the channel has. Lowering it below the slots in use (or below a numbered
   * slot in use) is refused with a 409 that names them: the operator frees a slot first
   * (releaseSlot), so no partner loses its key by a side effect.
   */
  async setPartnerSlots(channelId: string, partnerSlots: number): Promise<ChannelStatusView> {
    await this.dataSource.transaction(async (manager) => {
      const channel: unknown[] = await manager.query(`SELECT id FROM channels WHERE id = $1 FOR NO KEY UPDATE`, [channelId]);
      if (channel.length === 0) throw apiError(404, 'channel not found');
      const inUse = await slotsInUse(manager, channelId);
      if (inUse.length > partnerSlots || inUse.some((slot) => numberedBeyond(slot, partnerSlots))) {
        throw new ApiException(409, {
          error:
            `partner_slots cannot be ${partnerSlots}: slot${inUse.length === 1 ? '' : 's'} ${quoted(inUse)} ` +
            `${inUse.length === 1 ? 'is' : 'are'} bound; free a slot with DELETE /admin/v1/channels/${channelId}/slots/{slot} first`,
          bound_slots: inUse,
        });
      }
      await manager.query(`UPDATE channels SET partner_slots = $2 WHERE id = $1`, [channelId, partnerSlots]);
    });
    return this.getChannel(channelId);
  }

  /** Frees a slot: its keys are revoked and its destinations dropped. 404 when the slot is not in use. */
  async releaseSlot(channelId: string, slot: string): Promise<SlotReleaseView> {
    const released = await this.dataSource.transaction(async (manager) => {
      const channel: unknown[] = await manager.query(`SELECT id FROM channels WHERE id = $1 FOR NO KEY UPDATE`, [channelId]);
      if (channel.length === 0) throw apiError(404, 'channel not found');
      if (!(await slotsInUse(manager, channelId)).includes(slot)) throw apiError(404, `slot "${slot}" is not in use on this channel`);
      return this.clearSlot(manager, channelId, slot);
    });
    this.partnerAuth.forgetChannel(channelId);
    return { slot, keys_revoked: released.keys, destinations_dropped: released.destinations };
  }

  /** Revokes a slot's keys and drops its destinations (primary and /multi_webhook extras). */
  private async clearSlot(manager: EntityManager, channelId: string, slot: string): Promise<{ keys: number; destinations: number }> {
    const [, keys]: [unknown, number] = await manager.query(
      `UPDATE api_keys SET revoked_at = now() WHERE channel_id = $1 AND slot = $2 AND revoked_at IS NULL`,
      [channelId, slot],
    );
    const [, destinations]: [unknown, number] = await manager.query(
      `DELETE FROM webhook_destinations WHERE channel_id = $1 AND slot = $2`,
      [channelId, slot],
    );
    await manager.query(`UPDATE channels SET multi_webhook_slots = array_remove(multi_webhook_slots, $2) WHERE id = $1`, [channelId, slot]);
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
    const id = await this.dataSource.transaction(async (manager) => {
      const channel: { partner_slots: number }[] = await manager.query(
        `SELECT partner_slots FROM channels WHERE id = $1 FOR NO KEY UPDATE`,
        [channelId],
      );
      if (channel.length === 0) throw apiError(404, 'channel not found');
      const partnerSlots = channel[0].partner_slots;
      if (numberedBeyond(slot, partnerSlots)) {
        throw apiError(400, `slot "${slot}" is beyond this channel's partner_slots (${partnerSlots})`);
      }
      if (partnerSlots === 1) {
        await manager.query(`UPDATE api_keys SET revoked_at = now() WHERE channel_id = $1 AND revoked_at IS NULL`, [channelId]);
        await manager.query(`DELETE FROM webhook_destinations WHERE channel_id = $1`, [channelId]);
        await manager.query(`UPDATE channels SET multi_webhook_slots = '{}' WHERE id = $1`, [channelId]);
      } else {
        const inUse = await slotsInUse(manager, channelId);
        if (!inUse.includes(slot) && inUse.length >= partnerSlots) {
          throw new ApiException(409, {
            error:
              `all ${partnerSlots} partner slots of this channel are in use (${quoted(inUse)}): issue the key for one of them, ` +
              `free one with DELETE /admin/v1/channels/${channelId}/slots/{slot}, or raise partner_slots`,
            bound_slots: inUse,
          });
        }
        await this.clearSlot(manager, channelId, slot);
      }
      const [row]: { id: string }[] = await manager.query(
        `INSERT INTO api_keys (channel_id, key_hash, slot) VALUES ($1, $2, $3) RETURNING id`,
        [channelId, hashApiKey(apiKey), slot],
      );
      return row.id;
    });
    // this instance refuses the old keys at once; the others within their cache TTL
    this.partnerAuth.forgetChannel(channelId);
    return { id, api_key: apiKey, slot };
  }
}
