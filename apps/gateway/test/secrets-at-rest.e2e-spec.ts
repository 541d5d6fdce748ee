// Secrets at rest (docs/security.md): the migration seals secrets stored in clear, the gateway and the
// router refuse to start without the key that opens them, and a rotated SECRETS_KEY re-seals them.
import { randomBytes } from 'node:crypto';
import { createDatabase, dropDatabase } from '@wabridge/local-infra';
import { runMigrations } from '@wabridge/persistence';
import { TestStack, testInfra, uniqueDigits, type ServiceName } from '@wabridge/testing';
import { SecretBox, sealedKeyId } from '@wabridge/webhook-security';
import { Client } from 'pg';

const key = () => randomBytes(32).toString('base64');

describe('secrets at rest', () => {
  const name = `wabridge_secrets_${Date.now()}_${randomBytes(3).toString('hex')}`;
  let databaseUrl: string;
  let db: Client;
  const oldKey = `old:${key()}`;
  const clear = {
    signing: `whsec_${randomBytes(32).toString('base64')}`,
    previous: `whsec_${randomBytes(32).toString('base64')}`,
    app: `app-${randomBytes(8).toString('hex')}`,
    header: `Bearer ${randomBytes(8).toString('hex')}`,
  };

  interface Row {
    signing_secret: string;
    previous_signing_secret: string | null;
    previous_secret_expires_at: Date | null;
    app_secret: string | null;
    headers: Record<string, string>;
  }
  const row = async (): Promise<Row> =>
    (await db.query<Row>(`SELECT signing_secret, previous_signing_secret, previous_secret_expires_at, app_secret, headers FROM webhook_destinations`)).rows[0];

  beforeAll(async () => {
    databaseUrl = await createDatabase(testInfra().databaseUrl, name);
    await runMigrations(databaseUrl);
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
    // a database from before encryption at rest: every secret in clear
    const { rows: clients } = await db.query<{ id: string }>(`INSERT INTO clients (name) VALUES ('legacy') RETURNING id`);
    const { rows: channels } = await db.query<{ id: string }>(
      `INSERT INTO channels (client_id, phone_number_id, waba_id, display_phone_number) VALUES ($1, $2, $3, $4) RETURNING id`,
      [clients[0].id, uniqueDigits(15), uniqueDigits(15), uniqueDigits(11)],
    );
    await db.query(
      `INSERT INTO webhook_destinations (channel_id, kind, name, url, headers, signing_secret, previous_signing_secret, previous_secret_expires_at, app_secret)
       VALUES ($1, 'primary', 'primary', 'https://partner.example/hook', $2::jsonb, $3, $4, now() + interval '1 day', $5)`,
      [channels[0].id, JSON.stringify({ Authorization: clear.header }), clear.signing, clear.previous, clear.app],
    );
    await db.query(`DELETE FROM migrations WHERE name = 'SecretsAtRest1764096000000'`);
  }, 60_000);

  afterAll(async () => {
    await db?.end();
    await dropDatabase(testInfra().databaseUrl, name);
  });

  it('refuses to run the migration over secrets in clear without SECRETS_KEY', async () => {
    await expect(runMigrations(databaseUrl)).rejects.toThrow(/SECRETS_KEY is required to run this migration: 1 webhook destination/);
    expect((await row()).signing_secret).toBe(clear.signing);
  });

  it('seals every secret of existing rows, the rotated-out one included', async () => {
    expect(await runMigrations(databaseUrl, { secrets: SecretBox.fromEnv(oldKey) })).toEqual(['SecretsAtRest1764096000000']);
    const sealed = await row();
    const box = SecretBox.fromEnv(oldKey);
    for (const value of [sealed.signing_secret, sealed.previous_signing_secret!, sealed.app_secret!, sealed.headers.Authorization]) {
      expect(sealedKeyId(value)).toBe('old');
    }
    expect(JSON.stringify(sealed)).not.toMatch(/whsec_|Bearer|app-/);
    expect(box.open(sealed.signing_secret)).toBe(clear.signing);
    // sealing both secrets in one write keeps the rotation's previous secret (the trigger sees an explicit change)
    expect(box.open(sealed.previous_signing_secret!)).toBe(clear.previous);
    expect(sealed.previous_secret_expires_at).toBeInstanceOf(Date);
    expect(box.open(sealed.app_secret!)).toBe(clear.app);
    expect(box.openHeaders(sealed.headers)).toEqual({ Authorization: clear.header });
  });

  /** Starts one service on the sealed database; resolves with how its start-up failed, or the stack. */
  const start = async (service: ServiceName, secretsKey: string | undefined) => {
    const env: Record<string, string> = { DATABASE_URL: databaseUrl, SECRETS_KEY: secretsKey ?? '' };
    try {
      return { stack: await TestStack.start({ services: [service], env: { [service]: env } }) };
    } catch (error) {
      return { failure: (error as Error).message };
    }
  };

  it.each<[ServiceName, string | undefined, RegExp]>([
    ['gateway', undefined, /SECRETS_KEY: is required: id:base64key/],
    ['gateway', 'old:short', /SECRETS_KEY: key "old" must be 32 bytes/],
    ['gateway', `other:${key()}`, /sealed with key id "old", which SECRETS_KEY does not list \(it lists other\)/],
    ['gateway', `old:${key()}`, /does not open with key "old" of SECRETS_KEY: wrong key/],
    ['router', undefined, /SECRETS_KEY: is required/],
    ['router', `old:${key()}`, /does not open with key "old" of SECRETS_KEY: wrong key/],
  ])(
    '%s refuses to start with SECRETS_KEY %s',
    async (service, secretsKey, message) => {
      const outcome = await start(service, secretsKey);
      await outcome.stack?.stop();
      expect(outcome.failure).toMatch(message);
      // the message, not a stack trace
      expect(outcome.failure).not.toMatch(/at .*node_modules/);
    },
    60_000,
  );

  it('re-seals with the new key after a rotation, and the router opens both', async () => {
    const newKey = `new:${key()}`;
    const gateway = await start('gateway', `${newKey},${oldKey}`);
    expect(gateway.failure).toBeUndefined();
    await gateway.stack?.stop();
    const resealed = await row();
    for (const value of [resealed.signing_secret, resealed.previous_signing_secret!, resealed.app_secret!, resealed.headers.Authorization]) {
      expect(sealedKeyId(value)).toBe('new');
    }
    const box = SecretBox.fromEnv(newKey);
    expect(box.open(resealed.signing_secret)).toBe(clear.signing);
    expect(box.open(resealed.previous_signing_secret!)).toBe(clear.previous);
    // once every row is re-sealed the old key can go
    const router = await start('router', newKey);
    expect(router.failure).toBeUndefined();
    await router.stack?.stop();
  }, 90_000);
});
