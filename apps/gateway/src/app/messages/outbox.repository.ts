import { Inject, Injectable } from '@nestjs/common';
import type { OutboundEvent } from '@wabridge/contracts';
import type { DataSource } from 'typeorm';
import { GATEWAY_DATA_SOURCE } from '../infra/infra.module';

/** One relay at a time across every gateway instance: the outbox leaves in id order. */
const RELAY_LOCK = 7243002;

export interface OutboxRow {
  id: string;
  wamid: string;
  phone_number_id: string;
  channel_id: string;
  client_id: string;
  type: string;
  template_name: string | null;
  template_language: string | null;
  accepted_at: Date;
}

/** The outbox of whatsapp.outbound.v1 events Kafka did not acknowledge (`outbound_outbox`): ids, type and template only. */
@Injectable()
export class OutboxRepository {
  constructor(@Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Keeps an event; one row per wamid (a second keep of the same wamid changes nothing). */
  async keep(event: OutboundEvent): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO outbound_outbox (wamid, phone_number_id, channel_id, client_id, type, template_name, template_language, accepted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (wamid) DO NOTHING`,
      [
        event.wamid,
        event.phone_number_id,
        event.channel_id,
        event.client_id,
        event.type,
        event.template?.name ?? null,
        event.template?.language ?? null,
        event.accepted_at,
      ],
    );
  }

  /** How many events wait, per number. */
  async waitingByNumber(): Promise<{ phone_number_id: string; n: number }[]> {
    return this.dataSource.query(`SELECT phone_number_id, count(*)::int AS n FROM outbound_outbox GROUP BY phone_number_id`);
  }

  /**
   * Hands the oldest `limit` events to `publish` and deletes them once it resolved, in one
   * transaction that holds the relay lock; answers how many went (0 when another instance holds the
   * lock). A publish that throws leaves them in place.
   */
  async relayOldest(limit: number, publish: (rows: OutboxRow[]) => Promise<unknown>): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }]: { locked: boolean }[] = await manager.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [RELAY_LOCK]);
      if (!locked) return 0;
      const rows: OutboxRow[] = await manager.query(
        `SELECT id, wamid, phone_number_id, channel_id, client_id, type, template_name, template_language, accepted_at
           FROM outbound_outbox ORDER BY id LIMIT ${limit}`,
      );
      if (rows.length === 0) return 0;
      await publish(rows);
      await manager.query(`DELETE FROM outbound_outbox WHERE id = ANY($1::bigint[])`, [rows.map((row) => row.id)]);
      return rows.length;
    });
  }
}
