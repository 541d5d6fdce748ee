import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { GATEWAY_DATA_SOURCE } from '../infra/infra.module';
import { affectedRows, type Queryable, type Tx } from './transactions';

/** The primary webhook's row carries this name as well as its kind. */
export const PRIMARY_NAME = 'primary';

/** A destination as stored: secrets and header values sealed (SECRETS_KEY). */
export interface DestinationRow {
  name: string;
  url: string;
  headers: Record<string, string> | null;
  on_premise_format: boolean;
  app_secret: string | null;
  ordered: boolean;
  events: string[] | null;
  disabled_at: Date | null;
}

/** What a bind or a /multi_webhook change writes; `headers`, `signingSecret` and `appSecret` already sealed. */
export interface DestinationWrite {
  url: string;
  headers: Record<string, string>;
  onPremiseFormat: boolean;
  appSecret: string | null;
  ordered: boolean;
  events: string[] | null;
}

/** The primary webhook of a valid key's slot (`destination` null when unbound). */
export interface KeyPrimary {
  destination: { url: string; headers: Record<string, string> | null; events: string[] | null; disabled_at: Date | null } | null;
}

const SELECT_EXTRAS = `SELECT name, url, headers, on_premise_format, app_secret, ordered, events, disabled_at
                         FROM webhook_destinations WHERE channel_id = $1 AND slot = $2 AND kind = 'extra' ORDER BY created_at, id`;

/**
 * Where a channel's events go (`webhook_destinations`): per partner slot, the primary webhook and
 * the named /multi_webhook extras. The router reads these rows; the gateway writes them.
 */
@Injectable()
export class DestinationsRepository {
  constructor(@Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Binds the slot's primary webhook (last writer wins), with a new signing secret, enabled again. */
  async upsertPrimary(tx: Tx, channelId: string, slot: string, write: DestinationWrite & { signingSecret: string }): Promise<void> {
    await tx.query(
      `INSERT INTO webhook_destinations (channel_id, kind, name, url, headers, signing_secret, on_premise_format, app_secret, ordered, events, slot)
       VALUES ($1, 'primary', 'primary', $2, $3::jsonb, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (channel_id, slot, kind, name) DO UPDATE
          SET url = EXCLUDED.url, headers = EXCLUDED.headers, signing_secret = EXCLUDED.signing_secret,
              on_premise_format = EXCLUDED.on_premise_format, app_secret = EXCLUDED.app_secret,
              ordered = EXCLUDED.ordered, events = EXCLUDED.events, disabled_at = NULL, updated_at = now()`,
      [channelId, write.url, JSON.stringify(write.headers), write.signingSecret, write.onPremiseFormat, write.appSecret, write.ordered, write.events, slot],
    );
  }

  async deletePrimary(tx: Tx, channelId: string, slot: string): Promise<void> {
    await tx.query(`DELETE FROM webhook_destinations WHERE channel_id = $1 AND slot = $2 AND kind = 'primary' AND name = 'primary'`, [channelId, slot]);
  }

  /** The primary webhook of the valid key's slot; null when the key is not valid. */
  async primaryOfKey(keyId: string): Promise<KeyPrimary | null> {
    const rows: { url: string | null; headers: Record<string, string> | null; events: string[] | null; disabled_at: Date | null }[] =
      await this.dataSource.query(
        `SELECT d.url, d.headers, d.events, d.disabled_at
           FROM api_keys k
           LEFT JOIN webhook_destinations d
                  ON d.channel_id = k.channel_id AND d.slot = k.slot AND d.kind = 'primary' AND d.name = 'primary'
          WHERE k.id = $1 AND k.revoked_at IS NULL`,
        [keyId],
      );
    if (rows.length === 0) return null;
    const row = rows[0];
    return { destination: row.url === null ? null : { url: row.url, headers: row.headers, events: row.events, disabled_at: row.disabled_at } };
  }

  /** The slot's /multi_webhook destinations in the order they were added; in `tx` when given. */
  async extras(channelId: string, slot: string, tx?: Tx): Promise<DestinationRow[]> {
    const db: Queryable = tx ?? this.dataSource;
    return db.query(SELECT_EXTRAS, [channelId, slot]);
  }

  async extraNames(tx: Tx, channelId: string, slot: string): Promise<string[]> {
    const rows: { name: string }[] = await tx.query(`SELECT name FROM webhook_destinations WHERE channel_id = $1 AND slot = $2 AND kind = 'extra'`, [
      channelId,
      slot,
    ]);
    return rows.map((row) => row.name);
  }

  async findExtra(channelId: string, slot: string, name: string): Promise<DestinationRow | null> {
    const rows: DestinationRow[] = await this.dataSource.query(
      `SELECT name, url, headers, on_premise_format, app_secret, ordered, events, disabled_at
         FROM webhook_destinations WHERE channel_id = $1 AND slot = $3 AND kind = 'extra' AND name = $2`,
      [channelId, name, slot],
    );
    return rows[0] ?? null;
  }

  async insertExtra(tx: Tx, channelId: string, slot: string, name: string, write: DestinationWrite & { signingSecret: string }): Promise<void> {
    await tx.query(
      // clock_timestamp(), not now(): destinations are listed in the order they were added, also within one request
      `INSERT INTO webhook_destinations (channel_id, kind, name, url, headers, signing_secret, on_premise_format, app_secret, ordered, events, slot, created_at)
       VALUES ($1, 'extra', $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, clock_timestamp())`,
      [
        channelId,
        name,
        write.url,
        JSON.stringify(write.headers),
        write.signingSecret,
        write.onPremiseFormat,
        write.appSecret,
        write.ordered,
        write.events,
        slot,
      ],
    );
  }

  /** Changes one extra, keeping its signing secret, and enables it again; answers whether it existed. */
  async updateExtra(tx: Tx, channelId: string, slot: string, name: string, write: DestinationWrite): Promise<boolean> {
    const result: unknown = await tx.query(
      `UPDATE webhook_destinations
          SET url = $3, headers = $4::jsonb, on_premise_format = $5, app_secret = $6, ordered = $7, events = $8,
              disabled_at = NULL, updated_at = now()
        WHERE channel_id = $1 AND kind = 'extra' AND name = $2 AND slot = $9`,
      [channelId, name, write.url, JSON.stringify(write.headers), write.onPremiseFormat, write.appSecret, write.ordered, write.events, slot],
    );
    return affectedRows(result) > 0;
  }

  async deleteExtras(tx: Tx, channelId: string, slot: string): Promise<void> {
    await tx.query(`DELETE FROM webhook_destinations WHERE channel_id = $1 AND slot = $2 AND kind = 'extra'`, [channelId, slot]);
  }

  /** Answers whether it existed. */
  async deleteExtra(tx: Tx, channelId: string, slot: string, name: string): Promise<boolean> {
    const result: unknown = await tx.query(`DELETE FROM webhook_destinations WHERE channel_id = $1 AND slot = $3 AND kind = 'extra' AND name = $2`, [
      channelId,
      name,
      slot,
    ]);
    return affectedRows(result) > 0;
  }

  /** Drops every destination of one slot (primary and extras); answers how many. */
  async deleteSlot(tx: Tx, channelId: string, slot: string): Promise<number> {
    return affectedRows(await tx.query(`DELETE FROM webhook_destinations WHERE channel_id = $1 AND slot = $2`, [channelId, slot]));
  }

  /** Drops every destination of the channel. */
  async deleteChannel(tx: Tx, channelId: string): Promise<void> {
    await tx.query(`DELETE FROM webhook_destinations WHERE channel_id = $1`, [channelId]);
  }

  /** Locks the destination a secret rotation changes; null when there is none. */
  async lockForRotation(
    tx: Tx,
    channelId: string,
    slot: string,
    kind: 'primary' | 'extra',
    name: string,
  ): Promise<{ id: string; disabled_at: Date | null } | null> {
    const found: { id: string; disabled_at: Date | null }[] = await tx.query(
      `SELECT id, disabled_at FROM webhook_destinations
        WHERE channel_id = $1 AND slot = $4 AND kind = $2 AND name = $3
        FOR NO KEY UPDATE`,
      [channelId, kind, name, slot],
    );
    return found[0] ?? null;
  }

  /**
   * Sets a new (sealed) signing secret; the current one keeps signing for `overlapHours` beside it.
   * Answers when the previous one expires.
   */
  async rotateSecret(tx: Tx, destinationId: string, sealedSecret: string, overlapHours: number): Promise<Date> {
    // TypeORM answers [rows, count] for UPDATE … RETURNING on postgres
    const [updated]: [{ previous_secret_expires_at: Date }[], number] = await tx.query(
      `UPDATE webhook_destinations
          SET previous_signing_secret = signing_secret,
              previous_secret_expires_at = now() + make_interval(hours => $3),
              signing_secret = $2,
              updated_at = now()
        WHERE id = $1
        RETURNING previous_secret_expires_at`,
      [destinationId, sealedSecret, overlapHours],
    );
    return updated[0].previous_secret_expires_at;
  }

  /** Every destination of these channels: its slot, kind, URL and whether the router disabled it. */
  async ofChannels(channelIds: string[]): Promise<{ channel_id: string; slot: string; kind: string; url: string; disabled_at: Date | null }[]> {
    return this.dataSource.query(`SELECT channel_id, slot, kind, url, disabled_at FROM webhook_destinations WHERE channel_id = ANY ($1::uuid[])`, [channelIds]);
  }

  /** The names (`primary` or an extra's) of the slot's destinations: primary first, then extras by name. */
  async namesOfSlot(channelId: string, slot: string): Promise<string[]> {
    const rows: { slot: string }[] = await this.dataSource.query(
      `SELECT CASE WHEN kind = 'primary' THEN 'primary' ELSE name END AS slot
         FROM webhook_destinations WHERE channel_id = $1 AND slot = $2 ORDER BY kind DESC, name`,
      [channelId, slot],
    );
    return rows.map((row) => row.slot);
  }

  /** The slot's destinations bound now (not disabled after a 410): name and whether ordered. */
  async enabledOfSlot(channelId: string, slot: string): Promise<{ slot: string; ordered: boolean }[]> {
    return this.dataSource.query(
      `SELECT CASE WHEN kind = 'primary' THEN 'primary' ELSE name END AS slot, ordered
         FROM webhook_destinations WHERE channel_id = $1 AND slot = $2 AND disabled_at IS NULL`,
      [channelId, slot],
    );
  }
}
