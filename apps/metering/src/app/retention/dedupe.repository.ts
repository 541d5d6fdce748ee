import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { METERING_DATA_SOURCE } from '../database/database.module';
import { DEDUPE_SWEEP_LOCK } from './dedupe-retention';

/**
 * One batch of expired keys, oldest first. The victims come from the counted_at index and are
 * deleted by tuple id (`ctid = ANY(ARRAY(...))` plans as one TID scan, whatever the estimates), so a
 * batch touches only the rows it deletes. Keys are never updated, so a ctid read in this statement
 * is the row it deletes.
 */
const DELETE_EXPIRED_BATCH = `
  DELETE FROM metering_dedupe
   WHERE ctid = ANY(ARRAY(
     SELECT ctid FROM metering_dedupe WHERE counted_at < $1 ORDER BY counted_at LIMIT $2
   ))`;

/** The dedupe keys (`metering_dedupe`) as the retention sweep sees them. */
@Injectable()
export class DedupeRepository {
  constructor(@Inject(METERING_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /**
   * Deletes up to `batchSize` keys counted before `cutoff`, in its own short transaction holding the
   * sweep lock; answers how many, or null when another instance holds the lock.
   */
  async deleteExpiredBatch(cutoff: Date, batchSize: number): Promise<number | null> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query<{ locked: boolean }[]>('SELECT pg_try_advisory_xact_lock($1) AS locked', [DEDUPE_SWEEP_LOCK]);
      if (!locked) return null;
      const runner = manager.queryRunner;
      if (!runner) throw new Error('transaction without a query runner');
      // The structured result carries the affected row count of the DELETE.
      const result = await runner.query(DELETE_EXPIRED_BATCH, [cutoff, batchSize], true);
      return result.affected ?? 0;
    });
  }
}
