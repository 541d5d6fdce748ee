import { Injectable } from '@nestjs/common';
import { DELIVERY_STATS_LATENCY_BOUNDS_MS, latencyBucketOf } from '@wabridge/persistence';
import type { BreakerState } from '../delivery/circuit-breaker';

/** One attempt as the stats see it. */
export interface StatsSample {
  channelId: string;
  slot: string;
  /** an HTTP request went out (false: the breaker was open, nothing was dialled) */
  dialed: boolean;
  delivered: boolean;
  latencyMs: number;
  /** why it failed; null when delivered */
  errorClass: string | null;
  breakerState: BreakerState;
  at: Date;
}

/** What one flush adds to a delivery_stats row (channel, slot, minute). */
export interface StatsIncrement {
  channelId: string;
  slot: string;
  minute: Date;
  attempts: number;
  delivered: number;
  latencyBuckets: number[];
  latencyMaxMs: number;
  lastError: string | null;
  lastErrorAt: Date | null;
  breakerState: BreakerState;
  breakerAt: Date;
}

const MINUTE_MS = 60_000;

/**
 * Tallies attempts per destination slot and minute in memory; `drain` hands the increments over for
 * one upsert. Cheap on the hot path (a map update), one database write per flush for all of them.
 */
@Injectable()
export class StatsTally {
  private pending = new Map<string, StatsIncrement>();

  observe(sample: StatsSample): void {
    const minute = Math.floor(sample.at.getTime() / MINUTE_MS) * MINUTE_MS;
    const key = `${sample.channelId}\u0000${sample.slot}\u0000${minute}`;
    let row = this.pending.get(key);
    if (!row) {
      row = {
        channelId: sample.channelId,
        slot: sample.slot,
        minute: new Date(minute),
        attempts: 0,
        delivered: 0,
        latencyBuckets: new Array<number>(DELIVERY_STATS_LATENCY_BOUNDS_MS.length + 1).fill(0),
        latencyMaxMs: 0,
        lastError: null,
        lastErrorAt: null,
        breakerState: sample.breakerState,
        breakerAt: sample.at,
      };
      this.pending.set(key, row);
    }
    if (sample.dialed) {
      const latency = Math.max(0, Math.round(sample.latencyMs));
      row.attempts += 1;
      if (sample.delivered) row.delivered += 1;
      row.latencyBuckets[latencyBucketOf(latency)] += 1;
      row.latencyMaxMs = Math.max(row.latencyMaxMs, latency);
    }
    if (sample.errorClass !== null && (row.lastErrorAt === null || sample.at >= row.lastErrorAt)) {
      row.lastError = sample.errorClass;
      row.lastErrorAt = sample.at;
    }
    if (sample.at >= row.breakerAt) {
      row.breakerState = sample.breakerState;
      row.breakerAt = sample.at;
    }
  }

  /** The increments since the last drain; the tally starts empty again. */
  drain(): StatsIncrement[] {
    const rows = [...this.pending.values()];
    this.pending = new Map();
    return rows;
  }
}
