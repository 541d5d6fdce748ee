import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Partner slots (docs/delivery.md, "Several partners on one number"). `channels.partner_slots` is how
 * many partners the operator lets a number have at once (1 = as before). Keys and destinations carry
 * the anonymous label of their slot; every existing row is in slot `1`. A destination's name is now
 * unique within its slot, and /multi_webhook is switched on per slot (`multi_webhook_slots` replaces
 * the channel-wide flag).
 */
export class PartnerSlots1764096400000 implements MigrationInterface {
  name = 'PartnerSlots1764096400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const label = `'^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$'`;
    await queryRunner.query(
      `ALTER TABLE channels
         ADD COLUMN partner_slots int NOT NULL DEFAULT 1 CONSTRAINT channels_partner_slots_positive CHECK (partner_slots >= 1),
         ADD COLUMN multi_webhook_slots text[] NOT NULL DEFAULT '{}'`,
    );
    await queryRunner.query(`UPDATE channels SET multi_webhook_slots = '{1}' WHERE multi_webhook_enabled`);
    await queryRunner.query(`ALTER TABLE channels DROP COLUMN multi_webhook_enabled`);
    await queryRunner.query(`ALTER TABLE api_keys ADD COLUMN slot text NOT NULL DEFAULT '1' CONSTRAINT api_keys_slot_label CHECK (slot ~ ${label})`);
    await queryRunner.query(`CREATE INDEX api_keys_channel_slot_idx ON api_keys (channel_id, slot) WHERE revoked_at IS NULL`);
    await queryRunner.query(
      `ALTER TABLE webhook_destinations
         ADD COLUMN slot text NOT NULL DEFAULT '1' CONSTRAINT webhook_destinations_slot_label CHECK (slot ~ ${label})`,
    );
    await queryRunner.query(`ALTER TABLE webhook_destinations DROP CONSTRAINT webhook_destinations_channel_id_kind_name_key`);
    await queryRunner.query(
      `ALTER TABLE webhook_destinations
         ADD CONSTRAINT webhook_destinations_channel_id_slot_kind_name_key UNIQUE (channel_id, slot, kind, name)`,
    );
  }

  /**
   * Back to one partner per number: the destinations of slots other than `1` are dropped (names are
   * unique per channel again); keys of other slots stay valid as keys of the channel.
   */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM webhook_destinations WHERE slot <> '1'`);
    await queryRunner.query(`ALTER TABLE webhook_destinations DROP CONSTRAINT webhook_destinations_channel_id_slot_kind_name_key`);
    await queryRunner.query(`ALTER TABLE webhook_destinations ADD CONSTRAINT webhook_destinations_channel_id_kind_name_key UNIQUE (channel_id, kind, name)`);
    await queryRunner.query(`ALTER TABLE webhook_destinations DROP COLUMN slot`);
    await queryRunner.query(`DROP INDEX api_keys_channel_slot_idx`);
    await queryRunner.query(`ALTER TABLE api_keys DROP COLUMN slot`);
    await queryRunner.query(`ALTER TABLE channels ADD COLUMN multi_webhook_enabled boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`UPDATE channels SET multi_webhook_enabled = true WHERE '1' = ANY (multi_webhook_slots)`);
    await queryRunner.query(`ALTER TABLE channels DROP COLUMN multi_webhook_slots, DROP COLUMN partner_slots`);
  }
}
