import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { GATEWAY_DATA_SOURCE } from '../infra/infra.module';
import { affectedRows, type Tx } from './transactions';

/**
 * How an active key's row is read: `share` keeps it from being revoked until the transaction ends
 * (a key re-issue then waits, and drops what the transaction wrote); `update` also serialises the
 * key's own concurrent requests (the recover budget).
 */
export type KeyLock = 'none' | 'share' | 'update';

const LOCK_CLAUSE: Record<KeyLock, string> = { none: '', share: ' FOR SHARE', update: ' FOR UPDATE' };

/** A valid key and the channel it belongs to. */
export interface KeyOwner {
  keyId: string;
  /** the key's partner slot: what it binds, lists and recovers is that slot's (sends are the channel's) */
  slot: string;
  channelId: string;
  clientId: string;
  phoneNumberId: string;
  wabaId: string;
  displayPhoneNumber: string;
}

interface KeyOwnerRow {
  key_hash: string;
  key_id: string;
  slot: string;
  channel_id: string;
  client_id: string;
  phone_number_id: string;
  waba_id: string;
  display_phone_number: string;
}

/** Partner API keys (`api_keys`): only their SHA-256 is ever stored or looked up. */
@Injectable()
export class ApiKeysRepository {
  constructor(@Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** The valid key with this hash and its channel, or null. */
  async ownerOf(keyHash: string): Promise<KeyOwner | null> {
    const [found] = await this.owners('k.key_hash = $1', [keyHash]);
    return found ? found[1] : null;
  }

  /** The valid keys among these hashes, by hash, in one query: a hash missing from the answer is unknown or revoked. */
  async ownersOf(keyHashes: string[]): Promise<Map<string, KeyOwner>> {
    return new Map(await this.owners('k.key_hash = ANY ($1::text[])', [keyHashes]));
  }

  /** [hash, owner] of the valid keys matching `match`; the hash stays out of the KeyOwner handed to requests. */
  private async owners(match: string, params: unknown[]): Promise<[string, KeyOwner][]> {
    const rows: KeyOwnerRow[] = await this.dataSource.query(
      `SELECT k.key_hash, k.id AS key_id, k.slot, c.id AS channel_id, c.client_id, c.phone_number_id, c.waba_id, c.display_phone_number
         FROM api_keys k JOIN channels c ON c.id = k.channel_id
        WHERE ${match} AND k.revoked_at IS NULL`,
      params,
    );
    return rows.map((row) => [
      row.key_hash,
      {
        keyId: row.key_id,
        slot: row.slot,
        channelId: row.channel_id,
        clientId: row.client_id,
        phoneNumberId: row.phone_number_id,
        wabaId: row.waba_id,
        displayPhoneNumber: row.display_phone_number,
      },
    ]);
  }

  /** Whether the key is still valid (not revoked), reading its row with the given lock. */
  async isActive(tx: Tx, keyId: string, lock: KeyLock): Promise<boolean> {
    const rows: unknown[] = await tx.query(`SELECT 1 FROM api_keys WHERE id = $1 AND revoked_at IS NULL${LOCK_CLAUSE[lock]}`, [keyId]);
    return rows.length > 0;
  }

  /** Whether /multi_webhook is switched on for the valid key's slot; null when the key is not valid. */
  async multiWebhookEnabled(keyId: string): Promise<boolean | null> {
    const rows: { multi_webhook_enabled: boolean }[] = await this.dataSource.query(
      `SELECT k.slot = ANY (c.multi_webhook_slots) AS multi_webhook_enabled FROM api_keys k JOIN channels c ON c.id = k.channel_id
        WHERE k.id = $1 AND k.revoked_at IS NULL`,
      [keyId],
    );
    return rows.length === 0 ? null : rows[0].multi_webhook_enabled;
  }

  /** Stores a new key's hash for a slot; answers its id. */
  async insert(tx: Tx, channelId: string, keyHash: string, slot: string): Promise<string> {
    const [row]: { id: string }[] = await tx.query(`INSERT INTO api_keys (channel_id, key_hash, slot) VALUES ($1, $2, $3) RETURNING id`, [
      channelId,
      keyHash,
      slot,
    ]);
    return row.id;
  }

  /** Revokes the valid keys of one slot; answers how many. */
  async revokeSlot(tx: Tx, channelId: string, slot: string): Promise<number> {
    return affectedRows(await tx.query(`UPDATE api_keys SET revoked_at = now() WHERE channel_id = $1 AND slot = $2 AND revoked_at IS NULL`, [channelId, slot]));
  }

  /** Revokes every valid key of the channel. */
  async revokeChannel(tx: Tx, channelId: string): Promise<void> {
    await tx.query(`UPDATE api_keys SET revoked_at = now() WHERE channel_id = $1 AND revoked_at IS NULL`, [channelId]);
  }

  /** Per channel and slot with a valid key, when its newest valid key was issued. */
  async issuedBySlot(channelIds: string[]): Promise<{ channel_id: string; slot: string; issued_at: Date }[]> {
    return this.dataSource.query(
      `SELECT channel_id, slot, max(created_at) AS issued_at FROM api_keys
        WHERE channel_id = ANY ($1::uuid[]) AND revoked_at IS NULL GROUP BY channel_id, slot`,
      [channelIds],
    );
  }
}
