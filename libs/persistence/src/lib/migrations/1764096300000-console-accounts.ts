import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The web console's accounts (docs/console.md): users (operators, or client users tied to one client),
 * single-use invites and server-side sessions. Only hashes are stored: scrypt for passwords, SHA-256
 * for invite and session tokens (random 32-byte values, so a fast hash is enough). `failed_sign_ins`
 * and `locked_until` slow repeated wrong passwords per account across every gateway instance.
 */
export class ConsoleAccounts1764096300000 implements MigrationInterface {
  name = 'ConsoleAccounts1764096300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE console_users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
        role text NOT NULL CHECK (role IN ('operator', 'client')),
        client_id uuid REFERENCES clients (id),
        password_hash text NOT NULL,
        failed_sign_ins int NOT NULL DEFAULT 0,
        locked_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((role = 'client') = (client_id IS NOT NULL))
      )`);
    await queryRunner.query(`
      CREATE TABLE console_invites (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash text NOT NULL UNIQUE,
        email text NOT NULL CHECK (email = lower(email)),
        role text NOT NULL CHECK (role IN ('operator', 'client')),
        client_id uuid REFERENCES clients (id),
        created_by uuid REFERENCES console_users (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        CHECK ((role = 'client') = (client_id IS NOT NULL))
      )`);
    await queryRunner.query(`
      CREATE TABLE console_sessions (
        token_hash text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES console_users (id) ON DELETE CASCADE,
        csrf_token text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE console_sessions`);
    await queryRunner.query(`DROP TABLE console_invites`);
    await queryRunner.query(`DROP TABLE console_users`);
  }
}
