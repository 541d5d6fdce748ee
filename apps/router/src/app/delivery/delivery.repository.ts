import { Inject, Injectable } from '@nestjs/common';
import type { DeliveryErrorClass, DeliveryState } from '@wabridge/contracts';
import type { DataSource } from 'typeorm';
import type { StatsIncrement } from '../metrics/delivery-stats';
import { ROUTER_DATA_SOURCE } from '../router.tokens';

/** Rows per statement of a stats flush (11 parameters each). */
const STATS_ROWS_PER_STATEMENT = 500;

/** The operator's view of one event towards one destination slot. Metadata only, never the payload. */
export interface DeliveryRow {
  eventId: string;
  destination: string;
  phoneNumberId: string;
  channelId: string | null;
  state: DeliveryState;
  attempts: number;
  lastStatusCode: number | null;
  lastError: DeliveryErrorClass | null;
  lastLatencyMs: number | null;
  nextAttemptAt: Date | null;
  receivedAt: Date;
  updatedAt: Date;
}

/** Writes to Postgres: delivery state for operators, and disabling a destination after a 410. */
@Injectable()
export class DeliveryRepository {
  constructor(@Inject(ROUTER_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /**
   * Upserts the row. A replayed or duplicated older attempt never overwrites a newer one: the row
   * only moves forward in attempt number.
   */
  async record(row: DeliveryRow): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO deliveries AS d (event_id, destination, phone_number_id, channel_id, state, attempts,
         last_status_code, last_error, last_latency_ms, next_attempt_at, received_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (event_id, destination) DO UPDATE SET
         phone_number_id = EXCLUDED.phone_number_id,
         channel_id = COALESCE(EXCLUDED.channel_id, d.channel_id),
         state = EXCLUDED.state,
         attempts = EXCLUDED.attempts,
         last_status_code = EXCLUDED.last_status_code,
         last_error = EXCLUDED.last_error,
         last_latency_ms = EXCLUDED.last_latency_ms,
         next_attempt_at = EXCLUDED.next_attempt_at,
         updated_at = EXCLUDED.updated_at
       WHERE d.attempts <= EXCLUDED.attempts`,
      [
        row.eventId,
        row.destination,
        row.phoneNumberId,
        row.channelId,
        row.state,
        row.attempts,
        row.lastStatusCode,
        row.lastError,
        row.lastLatencyMs,
        row.nextAttemptAt,
        row.receivedAt,
        row.updatedAt,
      ],
    );
  }

  /**
   * Disables a destination after a 410 Gone, but only if it still points at the URL that answered
   * 410: a partner that rebinds in the meantime must not lose its new binding.
   */
  async disableDestination(destinationId: string, url: string): Promise<boolean> {
    const result: unknown = await this.dataSource.query(
      `UPDATE webhook_destinations SET disabled_at = now(), updated_at = now()
       WHERE id = $1 AND url = $2 AND disabled_at IS NULL`,
      [destinationId, url],
    );
    // node-postgres via TypeORM answers an UPDATE with [rows, affectedCount]
    return Array.isArray(result) && typeof result[1] === 'number' ? result[1] > 0 : false;
  }

  /**
   * Adds a flush's increments to delivery_stats. Counters add up; the last error and the breaker
   * state keep whichever is newer, so routers flushing in any order end with the latest.
   */
  async addStats(rows: StatsIncrement[]): Promise<void> {
    for (let start = 0; start < rows.length; start += STATS_ROWS_PER_STATEMENT) {
      const chunk = rows.slice(start, start + STATS_ROWS_PER_STATEMENT);
      const params: unknown[] = [];
      const values = chunk.map((row) => {
        const at = params.length;
        params.push(
          row.channelId,
          row.slot,
          row.minute,
          row.attempts,
          row.delivered,
          row.latencyBuckets,
          row.latencyMaxMs,
          row.lastError,
          row.lastErrorAt,
          row.breakerState,
          row.breakerAt,
        );
        const p = (n: number) => `$${at + n}`;
        return `(${p(1)}::uuid, ${p(2)}, ${p(3)}::timestamptz, ${p(4)}::bigint, ${p(5)}::bigint, ${p(6)}::bigint[], ${p(7)}::int, ${p(8)}, ${p(9)}::timestamptz, ${p(10)}, ${p(11)}::timestamptz)`;
      });
      await this.dataSource.query(
        `INSERT INTO delivery_stats AS s (channel_id, slot, minute, attempts, delivered, latency_buckets, latency_max_ms,
           last_error, last_error_at, breaker_state, breaker_at)
         SELECT v.* FROM (VALUES ${values.join(', ')}) AS v
          WHERE EXISTS (SELECT 1 FROM channels c WHERE c.id = v.column1)
         ON CONFLICT (channel_id, slot, minute) DO UPDATE SET
           attempts = s.attempts + EXCLUDED.attempts,
           delivered = s.delivered + EXCLUDED.delivered,
           latency_buckets = ARRAY(SELECT a + b FROM unnest(s.latency_buckets, EXCLUDED.latency_buckets) WITH ORDINALITY AS t (a, b, i) ORDER BY i),
           latency_max_ms = GREATEST(s.latency_max_ms, EXCLUDED.latency_max_ms),
           last_error = CASE WHEN EXCLUDED.last_error_at IS NOT NULL AND (s.last_error_at IS NULL OR EXCLUDED.last_error_at >= s.last_error_at)
                             THEN EXCLUDED.last_error ELSE s.last_error END,
           last_error_at = GREATEST(s.last_error_at, EXCLUDED.last_error_at),
           breaker_state = CASE WHEN s.breaker_at IS NULL OR EXCLUDED.breaker_at >= s.breaker_at THEN EXCLUDED.breaker_state ELSE s.breaker_state END,
           breaker_at = GREATEST(s.breaker_at, EXCLUDED.breaker_at)`,
        params,
      );
    }
  }

  /** Drops stats rows older than `before` (partners read the last 24 h). */
  async pruneStats(before: Date): Promise<void> {
    await this.dataSource.query(`DELETE FROM delivery_stats WHERE minute < $1`, [before]);
  }

  /** Rows waiting for a retry: the retry store's depth (every instance sees the same number). */
  async pendingRetries(): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(`SELECT count(*)::int AS n FROM deliveries WHERE state = 'retry_scheduled'`);
    return rows[0]?.n ?? 0;
  }

  /** Seconds since the oldest event waiting for a retry was received, or null when none waits. */
  async oldestRetryAgeSeconds(): Promise<number | null> {
    const rows: { age: number | null }[] = await this.dataSource.query(
      `SELECT EXTRACT(EPOCH FROM now() - min(received_at))::float8 AS age FROM deliveries WHERE state = 'retry_scheduled'`,
    );
    return rows[0]?.age ?? null;
  }

  async ping(): Promise<boolean> {
    await this.dataSource.query('SELECT 1');
    return true;
  }
}
