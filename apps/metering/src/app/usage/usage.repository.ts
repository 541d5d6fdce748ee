import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { METERING_DATA_SOURCE } from '../database/database.module';
import type { PricedCountRow, TemplateCountRow } from './usage-report';

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
}
