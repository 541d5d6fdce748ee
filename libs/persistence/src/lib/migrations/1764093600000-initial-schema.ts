import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764093600000 implements MigrationInterface {
  name = 'InitialSchema1764093600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE clients (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE channels (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        client_id uuid NOT NULL REFERENCES clients(id),
        phone_number_id text NOT NULL UNIQUE,
        waba_id text NOT NULL,
        display_phone_number text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX channels_client_idx ON channels (client_id)`);
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        channel_id uuid NOT NULL REFERENCES channels(id),
        key_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX api_keys_channel_idx ON api_keys (channel_id) WHERE revoked_at IS NULL`);
    await queryRunner.query(`
      CREATE TABLE webhook_destinations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        channel_id uuid NOT NULL REFERENCES channels(id),
        kind text NOT NULL CHECK (kind IN ('primary', 'extra')),
        name text NOT NULL,
        url text NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        signing_secret text NOT NULL,
        on_premise_format boolean NOT NULL DEFAULT false,
        app_secret text,
        ordered boolean NOT NULL DEFAULT false,
        disabled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (channel_id, kind, name)
      )`);
    await queryRunner.query(`
      CREATE TABLE deliveries (
        event_id text NOT NULL,
        destination text NOT NULL,
        phone_number_id text NOT NULL,
        channel_id uuid,
        state text NOT NULL,
        attempts int NOT NULL,
        last_status_code int,
        last_error text,
        last_latency_ms int,
        next_attempt_at timestamptz,
        received_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (event_id, destination)
      )`);
    await queryRunner.query(`CREATE INDEX deliveries_channel_idx ON deliveries (channel_id, updated_at DESC)`);
    await queryRunner.query(`CREATE INDEX deliveries_state_idx ON deliveries (state, updated_at DESC)`);
    await queryRunner.query(`
      CREATE TABLE template_send_counts (
        client_id uuid NOT NULL,
        channel_id uuid NOT NULL,
        template_name text NOT NULL,
        language text NOT NULL,
        day date NOT NULL,
        count bigint NOT NULL,
        PRIMARY KEY (client_id, day, channel_id, template_name, language)
      )`);
    await queryRunner.query(`
      CREATE TABLE priced_message_counts (
        client_id uuid NOT NULL,
        channel_id uuid NOT NULL,
        category text NOT NULL,
        pricing_type text NOT NULL,
        day date NOT NULL,
        count bigint NOT NULL,
        PRIMARY KEY (client_id, day, channel_id, category, pricing_type)
      )`);
    await queryRunner.query(`
      CREATE TABLE metering_dedupe (
        kind text NOT NULL,
        wamid text NOT NULL,
        counted_at timestamptz NOT NULL,
        PRIMARY KEY (kind, wamid)
      )`);
    await queryRunner.query(`CREATE INDEX metering_dedupe_counted_at_idx ON metering_dedupe (counted_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'metering_dedupe',
      'priced_message_counts',
      'template_send_counts',
      'deliveries',
      'webhook_destinations',
      'api_keys',
      'channels',
      'clients',
    ]) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
