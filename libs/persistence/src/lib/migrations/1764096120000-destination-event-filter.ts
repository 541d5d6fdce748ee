import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `events` of a binding: which Meta change fields (and, inside `messages`, inbound messages and/or
 * statuses) a destination receives. NULL = everything, the default; a rebinding without `events`
 * writes NULL again, so the filter travels with the binding.
 */
export class DestinationEventFilter1764096120000 implements MigrationInterface {
  name = 'DestinationEventFilter1764096120000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE webhook_destinations ADD COLUMN events text[] CHECK (events IS NULL OR cardinality(events) > 0)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE webhook_destinations DROP COLUMN events`);
  }
}
