import type { SecretBox } from '@wabridge/webhook-security';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { countClearSecrets, sealStoredSecrets, unsealStoredSecrets } from '../secrets/stored-secrets.repository';

/**
 * Secrets at rest: signing secrets (current and previous), partner app secrets and custom header
 * values of existing rows are sealed with SECRETS_KEY (see docs/security.md). The key comes from
 * whoever runs the migrations, so the class is built around it; a database with no secrets to seal
 * needs no key.
 *
 * The rotation trigger compared values to tell a rotation from a rebinding; sealed values differ on
 * every write, so it now keeps the previous secret whenever the same write set it explicitly (a
 * rotation, or re-sealing under a new key) and clears it only when a write replaced the current
 * secret and left the previous one alone (a rebinding).
 */
export function secretsAtRestMigration(box: SecretBox | undefined) {
  return class SecretsAtRest1764096000000 implements MigrationInterface {
    name = 'SecretsAtRest1764096000000';

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`
        CREATE OR REPLACE FUNCTION webhook_destinations_forget_previous_secret() RETURNS trigger AS $$
        BEGIN
          IF NEW.signing_secret IS DISTINCT FROM OLD.signing_secret
             AND NEW.previous_signing_secret IS NOT DISTINCT FROM OLD.previous_signing_secret
             AND NEW.previous_secret_expires_at IS NOT DISTINCT FROM OLD.previous_secret_expires_at THEN
            NEW.previous_signing_secret := NULL;
            NEW.previous_secret_expires_at := NULL;
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql`);
      const clear = await countClearSecrets(queryRunner);
      if (clear === 0) return;
      if (!box) {
        throw new Error(`SECRETS_KEY is required to run this migration: ${clear} webhook destination(s) hold secrets in clear that it encrypts`);
      }
      await sealStoredSecrets(queryRunner, box);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      if (!box) throw new Error('SECRETS_KEY is required to revert this migration (it decrypts the stored secrets)');
      await unsealStoredSecrets(queryRunner, box);
      await queryRunner.query(`
        CREATE OR REPLACE FUNCTION webhook_destinations_forget_previous_secret() RETURNS trigger AS $$
        BEGIN
          IF NEW.signing_secret IS DISTINCT FROM OLD.signing_secret
             AND NOT (NEW.previous_signing_secret IS NOT DISTINCT FROM OLD.signing_secret) THEN
            NEW.previous_signing_secret := NULL;
            NEW.previous_secret_expires_at := NULL;
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql`);
    }
  };
}
