import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change to a channel's destinations or to the channels table notifies listeners (the routers)
 * at commit, so a rebinding takes effect on every instance at once instead of when a cache expires.
 */
export class BindingChangeNotifications1764094500000 implements MigrationInterface {
  name = 'BindingChangeNotifications1764094500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION wabridge_notify_destination_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('wabridge_destinations', COALESCE(NEW.channel_id, OLD.channel_id)::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER webhook_destinations_notify
      AFTER INSERT OR UPDATE OR DELETE ON webhook_destinations
      FOR EACH ROW EXECUTE FUNCTION wabridge_notify_destination_change()`);
    await queryRunner.query(`
      CREATE FUNCTION wabridge_notify_channel_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('wabridge_channels', COALESCE(NEW.phone_number_id, OLD.phone_number_id));
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER channels_notify
      AFTER INSERT OR UPDATE OR DELETE ON channels
      FOR EACH ROW EXECUTE FUNCTION wabridge_notify_channel_change()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER channels_notify ON channels`);
    await queryRunner.query(`DROP FUNCTION wabridge_notify_channel_change()`);
    await queryRunner.query(`DROP TRIGGER webhook_destinations_notify ON webhook_destinations`);
    await queryRunner.query(`DROP FUNCTION wabridge_notify_destination_change()`);
  }
}
