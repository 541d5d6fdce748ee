import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per partner recover (POST /v1/deliveries/recover): which key asked, when, and how many
 * events it queued. It is what bounds recovers per key and hour across every gateway instance. No
 * event ids, no payloads; rows go with their key.
 */
export class RecoverRequests1764096240000 implements MigrationInterface {
  name = 'RecoverRequests1764096240000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE recover_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        api_key_id uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
        requested_at timestamptz NOT NULL DEFAULT now(),
        queued int
      )`);
    await queryRunner.query(`CREATE INDEX recover_requests_key_idx ON recover_requests (api_key_id, requested_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE recover_requests`);
  }
}
