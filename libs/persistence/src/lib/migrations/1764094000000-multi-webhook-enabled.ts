import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether a channel's /multi_webhook feature is switched on. The extra destinations themselves are
 * `webhook_destinations` rows of kind `extra`; the flag exists so that "on, with no destinations yet"
 * (after which PUT may append) differs from "off".
 */
export class MultiWebhookEnabled1764094000000 implements MigrationInterface {
  name = 'MultiWebhookEnabled1764094000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE channels ADD COLUMN multi_webhook_enabled boolean NOT NULL DEFAULT false`);
    // channels that already have extra destinations keep receiving them
    await queryRunner.query(
      `UPDATE channels SET multi_webhook_enabled = true
        WHERE id IN (SELECT channel_id FROM webhook_destinations WHERE kind = 'extra')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE channels DROP COLUMN multi_webhook_enabled`);
  }
}
