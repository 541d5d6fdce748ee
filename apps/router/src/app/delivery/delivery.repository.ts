import type { DeliveryErrorClass, DeliveryState } from '@wabridge/contracts';
import type { DataSource } from 'typeorm';

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
export class DeliveryRepository {
  constructor(private readonly dataSource: DataSource) {}

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
