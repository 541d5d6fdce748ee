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

/** Whether a sweep should run another batch: a full batch means more may be left. */
export function moreToSweep(deletedInBatch: number, batchSize: number): boolean {
  return deletedInBatch >= batchSize;
}
