import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The gateway's outbox for whatsapp.outbound.v1 events Kafka did not acknowledge in time (see
 * docs/security.md#nothing-accepted-is-lost): the event's ids, type, template name and language and
 * times only — never a recipient or content. A relay publishes the rows in id order and deletes them;
 * one row per wamid, the key metering dedupes on.
 */
export class OutboundOutbox1764096100000 implements MigrationInterface {
  name = 'OutboundOutbox1764096100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE outbound_outbox (
        id bigserial PRIMARY KEY,
        wamid text NOT NULL UNIQUE,
        phone_number_id text NOT NULL,
        channel_id uuid NOT NULL,
        client_id uuid NOT NULL,
        type text NOT NULL,
        template_name text,
        template_language text,
        accepted_at timestamptz NOT NULL,
        kept_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE outbound_outbox`);
  }
}
