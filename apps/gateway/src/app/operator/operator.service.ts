import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { generateApiKey, hashApiKey } from '../auth/api-key';
import { PartnerAuthService } from '../auth/partner-auth.service';
import { apiError } from '../errors/api-exception';
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

/** A channel with its binding status: the webhook's host only, never its URL, headers or the key. */
export interface ChannelStatusView extends ChannelView {
  bound: boolean;
  webhook_host: string | null;
  webhook_disabled_at: string | null;
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

function statusView(row: ChannelStatusRow): ChannelStatusView {
  return {
    ...channelView(row),
    bound: row.webhook_url !== null,
    webhook_host: row.webhook_url === null ? null : hostOf(row.webhook_url),
    webhook_disabled_at: row.webhook_disabled_at ? row.webhook_disabled_at.toISOString() : null,
  };
}

const CHANNEL_STATUS_SELECT = `
  SELECT c.id, c.client_id, c.phone_number_id, c.waba_id, c.display_phone_number, c.created_at,
         to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_key,
         d.url AS webhook_url, d.disabled_at AS webhook_disabled_at
    FROM channels c
    LEFT JOIN webhook_destinations d ON d.channel_id = c.id AND d.kind = 'primary' AND d.name = 'primary'`;

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
    return {
      data: page.map(statusView),
      next_cursor: rows.length > query.limit && last ? encodeCursor(last.created_key, last.id) : null,
    };
  }

  async getChannel(id: string): Promise<ChannelStatusView> {
    const rows: ChannelStatusRow[] = await this.dataSource.query(`${CHANNEL_STATUS_SELECT} WHERE c.id = $1`, [id]);
    if (rows.length === 0) throw apiError(404, 'channel not found');
    return statusView(rows[0]);
  }

  /**
   * Issues a new key. In one transaction every older key of the channel is revoked and every
   * destination dropped — the primary binding and the /multi_webhook extras, which the holder of the
   * old key set up: the client moves to whoever gets the new key, and no copy of its messages keeps
   * flowing to the previous partner (last application wins, README). The channel row is locked, so two concurrent
   * re-issues leave exactly one valid key. `NO KEY UPDATE` rather than `UPDATE`: a concurrent
   * primary bind holds its key row and then checks its foreign key on this row (a key-share lock),
   * which `FOR UPDATE` would block — a deadlock.
   */
  async issueKey(channelId: string): Promise<{ id: string; api_key: string }> {
    const apiKey = generateApiKey();
    const id = await this.dataSource.transaction(async (manager) => {
      const channel: unknown[] = await manager.query(`SELECT id FROM channels WHERE id = $1 FOR NO KEY UPDATE`, [channelId]);
      if (channel.length === 0) throw apiError(404, 'channel not found');
      await manager.query(`UPDATE api_keys SET revoked_at = now() WHERE channel_id = $1 AND revoked_at IS NULL`, [channelId]);
      await manager.query(`DELETE FROM webhook_destinations WHERE channel_id = $1`, [channelId]);
      await manager.query(`UPDATE channels SET multi_webhook_enabled = false WHERE id = $1`, [channelId]);
      const [row]: { id: string }[] = await manager.query(
        `INSERT INTO api_keys (channel_id, key_hash) VALUES ($1, $2) RETURNING id`,
        [channelId, hashApiKey(apiKey)],
      );
      return row.id;
    });
    // this instance refuses the old keys at once; the others within their cache TTL
    this.partnerAuth.forgetChannel(channelId);
    return { id, api_key: apiKey };
  }
}
