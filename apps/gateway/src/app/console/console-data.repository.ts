import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { GATEWAY_DATA_SOURCE } from '../infra/infra.module';

/** Per channel, what the console shows beyond its status: client name, key date, delivery health. */
export interface ChannelExtraRow {
  id: string;
  client_name: string;
  key_issued_at: Date | null;
  retrying: number;
  dead_last_24h: number;
  last_failure_at: Date | null;
}

/** The console's cross-table reads: per-number delivery health and every client's metered totals. */
@Injectable()
export class ConsoleDataRepository {
  constructor(@Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async channelExtras(channelIds: string[]): Promise<ChannelExtraRow[]> {
    // one pass over the channels' deliveries rows (deliveries_channel_idx), not a subquery per channel
    return this.dataSource.query(
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
      [channelIds],
    );
  }

  /**
   * Every client's totals over a range of UTC days (inclusive), busiest first, read straight from
   * metering's count tables (a plain sum); bigint sums as text.
   */
  async usageTotals(from: string, to: string): Promise<{ client_id: string; name: string; template_sends: string; priced_messages: string }[]> {
    return this.dataSource.query(
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
  }
}
