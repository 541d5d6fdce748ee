import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Secret rotation: after POST /v1/configs/webhook/rotate-secret the router signs with the new and the
 * previous secret until `previous_secret_expires_at`, so a partner can switch verification without a
 * window where deliveries fail. A new binding must never carry the previous partner's secret: the
 * trigger clears the previous secret whenever the secret changes by any other write (a rebinding sets
 * a fresh secret and leaves these columns alone), so no code path that rebinds has to remember it.
 */
export class SigningSecretRotation1764094200000 implements MigrationInterface {
  name = 'SigningSecretRotation1764094200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE webhook_destinations
         ADD COLUMN previous_signing_secret text,
         ADD COLUMN previous_secret_expires_at timestamptz`,
    );
    await queryRunner.query(`
      CREATE FUNCTION webhook_destinations_forget_previous_secret() RETURNS trigger AS $$
      BEGIN
        IF NEW.signing_secret IS DISTINCT FROM OLD.signing_secret
           AND NOT (NEW.previous_signing_secret IS NOT DISTINCT FROM OLD.signing_secret) THEN
          NEW.previous_signing_secret := NULL;
          NEW.previous_secret_expires_at := NULL;
        END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await queryRunner.query(`
      CREATE TRIGGER webhook_destinations_forget_previous_secret
        BEFORE UPDATE ON webhook_destinations
        FOR EACH ROW EXECUTE FUNCTION webhook_destinations_forget_previous_secret()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER webhook_destinations_forget_previous_secret ON webhook_destinations`);
    await queryRunner.query(`DROP FUNCTION webhook_destinations_forget_previous_secret()`);
    await queryRunner.query(`ALTER TABLE webhook_destinations DROP COLUMN previous_signing_secret, DROP COLUMN previous_secret_expires_at`);
  }
}
