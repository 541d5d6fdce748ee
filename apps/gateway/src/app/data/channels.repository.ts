import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { GATEWAY_DATA_SOURCE } from '../infra/infra.module';
import { pgErrorCode, PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION } from './pg-errors';
import type { Tx } from './transactions';

export interface ChannelRow {
  id: string;
  client_id: string;
  phone_number_id: string;
  waba_id: string;
  display_phone_number: string;
  created_at: Date;
}

/** A channel with slot `1`'s primary webhook (or, without one, the first bound slot's). */
export interface ChannelStatusRow extends ChannelRow {
  partner_slots: number;
  /** created_at to the microsecond, for a cursor */
  created_key: string;
  webhook_url: string | null;
  webhook_disabled_at: Date | null;
}

export interface NewChannel {
  client_id: string;
  phone_number_id: string;
  waba_id: string;
  display_phone_number: string;
}

/** Why a channel was not created. */
export type ChannelRefusal = 'phone_number_taken' | 'unknown_client';

/** What the channel row lock answers. */
export interface LockedChannel {
  partnerSlots: number;
  multiWebhookSlots: string[];
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

/** Switches /multi_webhook of slot $2 on ($3 true) or off in channels.multi_webhook_slots. */
const SET_MULTI_WEBHOOK = `UPDATE channels
                              SET multi_webhook_slots = CASE WHEN $3::boolean THEN array_append(array_remove(multi_webhook_slots, $2), $2)
                                                             ELSE array_remove(multi_webhook_slots, $2) END
                            WHERE id = $1`;

/** Channels (`channels`): numbers, their partner slots and which slots have /multi_webhook on. */
@Injectable()
export class ChannelsRepository {
  constructor(@Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async create(input: NewChannel): Promise<ChannelRow | ChannelRefusal> {
    try {
      const [row]: ChannelRow[] = await this.dataSource.query(
        `INSERT INTO channels (client_id, phone_number_id, waba_id, display_phone_number)
         VALUES ($1, $2, $3, $4)
         RETURNING id, client_id, phone_number_id, waba_id, display_phone_number, created_at`,
        [input.client_id, input.phone_number_id, input.waba_id, input.display_phone_number],
      );
      return row;
    } catch (error) {
      if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) return 'phone_number_taken';
      if (pgErrorCode(error) === PG_FOREIGN_KEY_VIOLATION) return 'unknown_client';
      throw error;
    }
  }

  async exists(channelId: string): Promise<boolean> {
    const found: unknown[] = await this.dataSource.query(`SELECT 1 FROM channels WHERE id = $1`, [channelId]);
    return found.length > 0;
  }

  /**
   * Locks the channel row for the rest of the transaction; null when there is no such channel.
   * Every change of a channel's keys, slots or destinations takes this lock first, so they serialise.
   * `NO KEY UPDATE` rather than `UPDATE`: a concurrent primary bind holds its key row and then checks
   * its foreign key on this row (a key-share lock), which `FOR UPDATE` would block — a deadlock.
   */
  async lock(tx: Tx, channelId: string): Promise<LockedChannel | null> {
    const rows: { partner_slots: number; multi_webhook_slots: string[] }[] = await tx.query(
      `SELECT partner_slots, multi_webhook_slots FROM channels WHERE id = $1 FOR NO KEY UPDATE`,
      [channelId],
    );
    return rows.length === 0 ? null : { partnerSlots: rows[0].partner_slots, multiWebhookSlots: rows[0].multi_webhook_slots };
  }

  /** One page of channels in (created_at, id) order, after the cursor position, optionally of one client. */
  async statusPage(query: { after: { createdAt: string; id: string } | null; clientId: string | null; limit: number }): Promise<ChannelStatusRow[]> {
    return this.dataSource.query(
      `${CHANNEL_STATUS_SELECT}
        WHERE ($1::timestamptz IS NULL OR (c.created_at, c.id) > ($1::timestamptz, $2::uuid))
          AND ($3::uuid IS NULL OR c.client_id = $3::uuid)
        ORDER BY c.created_at, c.id
        LIMIT $4`,
      [query.after?.createdAt ?? null, query.after?.id ?? null, query.clientId, query.limit],
    );
  }

  async status(channelId: string): Promise<ChannelStatusRow | null> {
    const rows: ChannelStatusRow[] = await this.dataSource.query(`${CHANNEL_STATUS_SELECT} WHERE c.id = $1`, [channelId]);
    return rows[0] ?? null;
  }

  /** The slots in use on a channel: those with a valid key or a destination, in label order. */
  async slotsInUse(tx: Tx, channelId: string): Promise<string[]> {
    const rows: { slot: string }[] = await tx.query(
      `SELECT slot FROM api_keys WHERE channel_id = $1 AND revoked_at IS NULL
        UNION SELECT slot FROM webhook_destinations WHERE channel_id = $1
        ORDER BY slot`,
      [channelId],
    );
    return rows.map((row) => row.slot);
  }

  async setPartnerSlots(tx: Tx, channelId: string, partnerSlots: number): Promise<void> {
    await tx.query(`UPDATE channels SET partner_slots = $2 WHERE id = $1`, [channelId, partnerSlots]);
  }

  /** Whether /multi_webhook is on for the slot. */
  async multiWebhookEnabled(tx: Tx, channelId: string, slot: string): Promise<boolean> {
    const [state]: { multi_webhook_enabled: boolean }[] = await tx.query(
      `SELECT $2 = ANY (multi_webhook_slots) AS multi_webhook_enabled FROM channels WHERE id = $1`,
      [channelId, slot],
    );
    return state.multi_webhook_enabled;
  }

  async setMultiWebhook(tx: Tx, channelId: string, slot: string, enabled: boolean): Promise<void> {
    await tx.query(SET_MULTI_WEBHOOK, [channelId, slot, enabled]);
  }

  /** Switches /multi_webhook off for every slot of the channel. */
  async clearMultiWebhook(tx: Tx, channelId: string): Promise<void> {
    await tx.query(`UPDATE channels SET multi_webhook_slots = '{}' WHERE id = $1`, [channelId]);
  }
}
