import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { METERING_DATA_SOURCE } from '../database/database.module';
import type { StatementPricedRow, StatementTemplateRow } from './statement';
import type { PricedCountRow, TemplateCountRow } from './usage-report';

/** What a statement is built from, read from one snapshot. */
export interface StatementData {
  clientName: string;
  templates: StatementTemplateRow[];
  priced: StatementPricedRow[];
}

interface ChannelColumns {
  channel_id: string;
  phone_number_id: string | null;
  display_phone_number: string | null;
  count: string;
}

export interface StoredCounts {
  templates: TemplateCountRow[];
  priced: PricedCountRow[];
}

/** Reads the stored counts of one client; the primary keys lead with (client_id, day), so these are range scans. */
@Injectable()
export class UsageRepository {
  constructor(@Inject(METERING_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async clientExists(clientId: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>('SELECT 1 FROM clients WHERE id = $1', [clientId]);
    return rows.length > 0;
  }

  /** Both tables read from one snapshot, so rows and totals describe the same moment. */
  async counts(clientId: string, from: string, to: string): Promise<StoredCounts> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const templates = await manager.query<{ channel_id: string; template_name: string; language: string; day: string; count: string }[]>(
        `SELECT channel_id, template_name, language, to_char(day, 'YYYY-MM-DD') AS day, count::text AS count
           FROM template_send_counts
          WHERE client_id = $1 AND day BETWEEN $2::date AND $3::date`,
        [clientId, from, to],
      );
      const priced = await manager.query<{ channel_id: string; category: string; pricing_type: string; day: string; count: string }[]>(
        `SELECT channel_id, category, pricing_type, to_char(day, 'YYYY-MM-DD') AS day, count::text AS count
           FROM priced_message_counts
          WHERE client_id = $1 AND day BETWEEN $2::date AND $3::date`,
        [clientId, from, to],
      );
      return {
        templates: templates.map((row) => ({
          channelId: row.channel_id,
          templateName: row.template_name,
          language: row.language,
          day: row.day,
          count: Number(row.count),
        })),
        priced: priced.map((row) => ({
          channelId: row.channel_id,
          category: row.category,
          pricingType: row.pricing_type,
          day: row.day,
          count: Number(row.count),
        })),
      };
    });
  }

  /**
   * A client's counts of one period summed per statement line (the days collapse), with the
   * channel's numbers; client, lines and totals all come from one snapshot. Null for an unknown client.
   */
  async statementData(clientId: string, from: string, to: string): Promise<StatementData | null> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const clients = await manager.query<{ name: string }[]>('SELECT name FROM clients WHERE id = $1', [clientId]);
      if (clients.length === 0) return null;
      const templates = await manager.query<(ChannelColumns & { template_name: string; language: string })[]>(
        `SELECT c.channel_id, ch.phone_number_id, ch.display_phone_number, c.template_name, c.language, sum(c.count)::text AS count
           FROM template_send_counts c
           LEFT JOIN channels ch ON ch.id = c.channel_id
          WHERE c.client_id = $1 AND c.day BETWEEN $2::date AND $3::date
          GROUP BY c.channel_id, ch.phone_number_id, ch.display_phone_number, c.template_name, c.language`,
        [clientId, from, to],
      );
      const priced = await manager.query<(ChannelColumns & { category: string; pricing_type: string })[]>(
        `SELECT c.channel_id, ch.phone_number_id, ch.display_phone_number, c.category, c.pricing_type, sum(c.count)::text AS count
           FROM priced_message_counts c
           LEFT JOIN channels ch ON ch.id = c.channel_id
          WHERE c.client_id = $1 AND c.day BETWEEN $2::date AND $3::date
          GROUP BY c.channel_id, ch.phone_number_id, ch.display_phone_number, c.category, c.pricing_type`,
        [clientId, from, to],
      );
      const channel = (row: ChannelColumns) => ({
        channelId: row.channel_id,
        phoneNumberId: row.phone_number_id,
        displayPhoneNumber: row.display_phone_number,
        count: Number(row.count),
      });
      return {
        clientName: clients[0].name,
        templates: templates.map((row) => ({ ...channel(row), templateName: row.template_name, language: row.language })),
        priced: priced.map((row) => ({ ...channel(row), category: row.category, pricingType: row.pricing_type })),
      };
    });
  }
}
