import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Tx } from '../data/transactions';
import { GATEWAY_DATA_SOURCE } from '../infra/infra.module';

/** Partner recovers per key (`recover_requests`): what bounds them per key and hour across instances. */
@Injectable()
export class RecoverRequestsRepository {
  constructor(@Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** The key's recovers of the last hour: how many, and when the oldest was asked for. */
  async lastHour(tx: Tx, keyId: string): Promise<{ n: number; oldest: Date | null }> {
    const [recent]: { n: number; oldest: Date | null }[] = await tx.query(
      `SELECT count(*)::int AS n, min(requested_at) AS oldest FROM recover_requests
        WHERE api_key_id = $1 AND requested_at > now() - interval '1 hour'`,
      [keyId],
    );
    return recent;
  }

  /** Records a recover of the key; answers its id. */
  async insert(tx: Tx, keyId: string): Promise<string> {
    const [row]: { id: string }[] = await tx.query(`INSERT INTO recover_requests (api_key_id) VALUES ($1) RETURNING id`, [keyId]);
    return row.id;
  }

  async setQueued(id: string, queued: number): Promise<void> {
    await this.dataSource.query(`UPDATE recover_requests SET queued = $2 WHERE id = $1`, [id, queued]);
  }

  async delete(id: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM recover_requests WHERE id = $1`, [id]);
  }
}
