import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per destination slot and minute, what the routers saw: HTTP attempts, how many got a 2xx, a latency
 * histogram (counts per DELIVERY_STATS_LATENCY_BOUNDS_MS bucket), the last error class and the circuit
 * breaker's state as of the last attempt. Counts only: no event ids, no payloads, no URLs. Rows older
 * than two days are pruned by the routers; partners read the last 24 h.
 */
export class DeliveryStats1764096180000 implements MigrationInterface {
  name = 'DeliveryStats1764096180000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE delivery_stats (
        channel_id uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
        slot text NOT NULL,
        minute timestamptz NOT NULL,
        attempts bigint NOT NULL DEFAULT 0,
        delivered bigint NOT NULL DEFAULT 0,
        latency_buckets bigint[] NOT NULL,
        latency_max_ms int NOT NULL DEFAULT 0,
        last_error text,
        last_error_at timestamptz,
        breaker_state text,
        breaker_at timestamptz,
        PRIMARY KEY (channel_id, slot, minute)
      )`);
    await queryRunner.query(`CREATE INDEX delivery_stats_minute_idx ON delivery_stats (minute)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE delivery_stats`);
  }
}
