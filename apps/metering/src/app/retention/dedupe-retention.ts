const DAY_MS = 24 * 60 * 60 * 1000;

/** Dedupe keys counted before this instant have expired. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/**
 * PostgreSQL advisory lock id of the dedupe sweep: one instance sweeps at a time, the others skip
 * their turn (the lock is per database, so stacks sharing a database share it too).
 */
export const DEDUPE_SWEEP_LOCK = 7243101;

/** Keys deleted per statement: small enough to hold row locks briefly, big enough to keep up. */
export const DEDUPE_SWEEP_BATCH = 5000;

/**
 * One batch of expired keys, oldest first. The victims come from the counted_at index and are
 * deleted by tuple id (`ctid = ANY(ARRAY(...))` plans as one TID scan, whatever the estimates), so a
 * batch touches only the rows it deletes. Keys are never updated, so a ctid read in this statement
 * is the row it deletes.
 */
export const DELETE_EXPIRED_BATCH = `
  DELETE FROM metering_dedupe
   WHERE ctid = ANY(ARRAY(
     SELECT ctid FROM metering_dedupe WHERE counted_at < $1 ORDER BY counted_at LIMIT $2
   ))`;

/** Whether a sweep should run another batch: a full batch means more may be left. */
export function moreToSweep(deletedInBatch: number, batchSize: number): boolean {
  return deletedInBatch >= batchSize;
}
