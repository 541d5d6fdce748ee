import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { apiError } from '../errors/api-exception';
import { GATEWAY_DATA_SOURCE } from '../infra/infra.module';
import { OperatorService, type ChannelStatusView } from '../operator/operator.service';
import type { ConsoleUser } from './accounts.service';

/** A number as the console shows it: never a key, never a URL beyond its host, never who holds the key. */
export interface ConsoleChannel extends ChannelStatusView {
  client_name: string;
  key_issued_at: string | null;
  delivery: {
    /** healthy | failing (retries waiting or dead letters in 24 h) | disabled (410 Gone) | unbound */
    health: 'healthy' | 'failing' | 'disabled' | 'unbound';
    retrying: number;
    dead_last_24h: number;
    last_failure_at: string | null;
  };
}

interface ChannelExtraRow {
  id: string;
  client_name: string;
  key_issued_at: Date | null;
  retrying: number;
  dead_last_24h: number;
  last_failure_at: Date | null;
}

const MAX_CHANNELS = 500;

/** What the console reads beyond the operator API: clients, and per number its key date and delivery health. */
@Injectable()
export class ConsoleDataService {
  constructor(
    @Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly operator: OperatorService,
  ) {}

  async clients(): Promise<{ id: string; name: string; created_at: string; channels: number }[]> {
    const rows: { id: string; name: string; created_at: Date; channels: number }[] = await this.dataSource.query(
      `SELECT c.id, c.name, c.created_at, count(ch.id)::int AS channels
         FROM clients c LEFT JOIN channels ch ON ch.client_id = c.id
        GROUP BY c.id ORDER BY c.created_at DESC LIMIT 1000`,
    );
    return rows.map((row) => ({ ...row, created_at: row.created_at.toISOString() }));
  }

  /** Client users see their own client's numbers whatever they ask for; operators any client's, or all. */
  async channels(user: ConsoleUser, clientId?: string): Promise<ConsoleChannel[]> {
    if (user.role === 'client' && clientId !== undefined && clientId !== user.client_id) throw apiError(403, 'not your client');
    const scope = user.role === 'client' ? (user.client_id ?? undefined) : clientId;
    const views: ChannelStatusView[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.operator.listChannels({ cursor, limit: 200, client_id: scope });
      views.push(...page.data);
      cursor = page.next_cursor ?? undefined;
    } while (cursor && views.length < MAX_CHANNELS);
    return this.withHealth(views);
  }

  /** One number, if the user may see it: 404 when unknown, 403 when another client's. */
  async channel(user: ConsoleUser, channelId: string): Promise<ConsoleChannel> {
    const view = await this.operator.getChannel(channelId);
    if (user.role === 'client' && view.client_id !== user.client_id) throw apiError(403, 'not your client');
    const [channel] = await this.withHealth([view]);
    return channel;
  }

  /**
   * Every client's totals over a range of UTC days, for the operator's overview. Read straight from
   * metering's count tables (a plain sum); a client's detailed report and statement still come from
   * metering's API.
   */
  async usageSummary(from: string, to: string): Promise<{ client_id: string; name: string; template_sends: number; priced_messages: number }[]> {
    const rows: { client_id: string; name: string; template_sends: string; priced_messages: string }[] = await this.dataSource.query(
      `SELECT c.id AS client_id, c.name, coalesce(t.n, 0) AS template_sends, coalesce(p.n, 0) AS priced_messages
         FROM clients c
         LEFT JOIN (SELECT client_id, sum(count) AS n FROM template_send_counts WHERE day BETWEEN $1::date AND $2::date GROUP BY client_id) t
           ON t.client_id = c.id
         LEFT JOIN (SELECT client_id, sum(count) AS n FROM priced_message_counts WHERE day BETWEEN $1::date AND $2::date GROUP BY client_id) p
           ON p.client_id = c.id
        ORDER BY coalesce(t.n, 0) + coalesce(p.n, 0) DESC, c.name
        LIMIT 1000`,
      [from, to],
    );
    return rows.map((row) => ({ ...row, template_sends: Number(row.template_sends), priced_messages: Number(row.priced_messages) }));
  }

  async deadLetterCount(): Promise<number> {
    const [row]: { n: number }[] = await this.dataSource.query(`SELECT count(*)::int AS n FROM deliveries WHERE state = 'dead'`);
    return row.n;
  }

  private async withHealth(views: ChannelStatusView[]): Promise<ConsoleChannel[]> {
    if (views.length === 0) return [];
    // one pass over the channels' deliveries rows (deliveries_channel_idx), not a subquery per channel
    const rows: ChannelExtraRow[] = await this.dataSource.query(
      `WITH health AS (
         SELECT channel_id,
                count(*) FILTER (WHERE state = 'retry_scheduled')::int AS retrying,
                count(*) FILTER (WHERE state = 'dead' AND updated_at > now() - interval '24 hours')::int AS dead_last_24h,
                max(updated_at) FILTER (WHERE state IN ('retry_scheduled', 'dead')) AS last_failure_at
           FROM deliveries WHERE channel_id = ANY($1::uuid[]) GROUP BY channel_id),
       keys AS (
         SELECT channel_id, max(created_at) AS key_issued_at
           FROM api_keys WHERE channel_id = ANY($1::uuid[]) AND revoked_at IS NULL GROUP BY channel_id)
       SELECT ch.id, cl.name AS client_name, k.key_issued_at,
              coalesce(h.retrying, 0) AS retrying, coalesce(h.dead_last_24h, 0) AS dead_last_24h, h.last_failure_at
         FROM channels ch
         JOIN clients cl ON cl.id = ch.client_id
         LEFT JOIN health h ON h.channel_id = ch.id
         LEFT JOIN keys k ON k.channel_id = ch.id
        WHERE ch.id = ANY($1::uuid[])`,
      [views.map((view) => view.id)],
    );
    const extras = new Map(rows.map((row) => [row.id, row]));
    return views.map((view) => {
      const extra = extras.get(view.id);
      const retrying = extra?.retrying ?? 0;
      const dead = extra?.dead_last_24h ?? 0;
      const health = !view.bound ? 'unbound' : view.webhook_disabled_at ? 'disabled' : retrying > 0 || dead > 0 ? 'failing' : 'healthy';
      return {
        ...view,
        client_name: extra?.client_name ?? '',
        key_issued_at: extra?.key_issued_at ? extra.key_issued_at.toISOString() : null,
        delivery: { health, retrying, dead_last_24h: dead, last_failure_at: extra?.last_failure_at ? extra.last_failure_at.toISOString() : null },
      };
    });
  }
}
