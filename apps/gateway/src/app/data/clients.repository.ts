import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { GATEWAY_DATA_SOURCE } from '../infra/infra.module';

export interface ClientRow {
  id: string;
  name: string;
  created_at: Date;
}

/** Clients (`clients`): the businesses that own channels. */
@Injectable()
export class ClientsRepository {
  constructor(@Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async create(name: string): Promise<ClientRow> {
    const [row]: ClientRow[] = await this.dataSource.query(`INSERT INTO clients (name) VALUES ($1) RETURNING id, name, created_at`, [name]);
    return row;
  }

  /** The newest 1000 clients with how many channels each has. */
  async withChannelCounts(): Promise<(ClientRow & { channels: number })[]> {
    return this.dataSource.query(
      `SELECT c.id, c.name, c.created_at, count(ch.id)::int AS channels
         FROM clients c LEFT JOIN channels ch ON ch.client_id = c.id
        GROUP BY c.id ORDER BY c.created_at DESC LIMIT 1000`,
    );
  }
}
