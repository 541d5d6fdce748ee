import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { metricsRegistry } from '@wabridge/observability';
import { PinoLogger } from 'nestjs-pino';
import { Counter } from 'prom-client';
import { METERING_CONFIG, type MeteringConfig } from '../../config/metering.config';
import { DEDUPE_SWEEP_BATCH, moreToSweep, retentionCutoff } from './dedupe-retention';
import { DedupeRepository } from './dedupe.repository';

const expired = new Counter({
  name: 'wabridge_metering_dedupe_keys_expired_total',
  help: 'Dedupe keys deleted because they are older than METERING_DEDUPE_RETENTION_DAYS',
  registers: [metricsRegistry],
});

const sweeps = new Counter({
  name: 'wabridge_metering_dedupe_sweeps_total',
  help: 'Dedupe sweeps by outcome: completed, skipped (another instance held the lock), failed (retried next interval)',
  labelNames: ['outcome'],
  registers: [metricsRegistry],
});

/** What one sweep did: keys deleted, or `null` when another instance held the sweep lock. */
export type SweepResult = number | null;

/**
 * Deletes dedupe keys older than the retention window, in small batches on the counted_at index,
 * on a timer. Only the keys go: the counts they guarded stay. Each batch is its own short
 * transaction holding `pg_try_advisory_xact_lock`, so several instances never sweep at once (the
 * one that finds the lock taken skips its turn) and a crash leaves no lock behind.
 */
@Injectable()
export class DedupeRetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    @Inject(METERING_CONFIG) private readonly config: MeteringConfig,
    private readonly dedupe: DedupeRepository,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(DedupeRetentionService.name);
  }

  onApplicationBootstrap(): void {
    // A random first delay spreads the sweeps of instances that were started together.
    this.schedule(Math.random() * this.config.dedupeSweepIntervalMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sweeping;
  }

  /** Deletes every expired key, batch by batch, unless another instance is sweeping. */
  async sweep(now = new Date()): Promise<SweepResult> {
    const cutoff = retentionCutoff(now, this.config.dedupeRetentionDays);
    let total = 0;
    for (;;) {
      const deleted = await this.dedupe.deleteExpiredBatch(cutoff, DEDUPE_SWEEP_BATCH);
      if (deleted === null) return total > 0 ? total : null;
      total += deleted;
      expired.inc(deleted);
      if (this.stopped || !moreToSweep(deleted, DEDUPE_SWEEP_BATCH)) return total;
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sweeping = this.sweep()
        .then((deleted) => {
          sweeps.inc({ outcome: deleted === null ? 'skipped' : 'completed' });
          if (deleted) this.logger.info({ deleted, retentionDays: this.config.dedupeRetentionDays }, 'expired dedupe keys deleted');
        })
        .catch((error: unknown) => {
          sweeps.inc({ outcome: 'failed' });
          this.logger.warn({ err: error }, 'dedupe sweep failed; retrying at the next interval');
        })
        .finally(() => this.schedule(this.config.dedupeSweepIntervalMs));
    }, delayMs);
    this.timer.unref();
  }
}
