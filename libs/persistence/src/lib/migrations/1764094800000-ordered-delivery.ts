import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ordered delivery (docs/delivery.md, Ordered delivery): one row per channel/destination slot that ever had to park an event.
 * Sequence numbers only, never a payload: the parked events themselves live on the router's Kafka
 * parking lane. The pair is parked while `delivered_seq < parked_seq`; the first-attempt lane appends
 * under the row lock, so the parking lane can only release a pair after its last parked event.
 * `head_*` keep the blocked head's retry schedule across router restarts.
 */
export class OrderedDelivery1764094800000 implements MigrationInterface {
  name = 'OrderedDelivery1764094800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ordered_pairs (
        channel_id uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
        slot text NOT NULL,
        parked_seq bigint NOT NULL,
        delivered_seq bigint NOT NULL DEFAULT 0,
        head_seq bigint,
        head_attempt int,
        head_due_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (channel_id, slot)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ordered_pairs`);
  }
}
