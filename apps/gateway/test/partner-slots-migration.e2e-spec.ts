// The partner slots migration on a real PostgreSQL, in a database of its own: existing keys and
// destinations land in slot 1, /multi_webhook's flag becomes slot 1's, and down restores the schema.
import { randomBytes } from 'node:crypto';
import { createDatabase, dropDatabase } from '@wabridge/local-infra';
import { createDataSource, runMigrations } from '@wabridge/persistence';
import { testInfra } from '@wabridge/testing';
import { Client } from 'pg';

describe('migration: partner slots', () => {
  const name = `wabridge_slots_${randomBytes(4).toString('hex')}`;
  let databaseUrl: string;
  let db: Client;

  beforeAll(async () => {
    databaseUrl = await createDatabase(testInfra().databaseUrl, name);
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await dropDatabase(testInfra().databaseUrl, name);
  });

  const columns = async (table: string) =>
    (
      await db.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY column_name`,
        [table],
      )
    ).rows.map((row) => row.column_name);

  const undoLast = async () => {
    const dataSource = createDataSource({ url: databaseUrl, poolSize: 1, secrets: testInfra().secrets });
    await dataSource.initialize();
    try {
      await dataSource.undoLastMigration({ transaction: 'each' });
    } finally {
      await dataSource.destroy();
    }
  };

  it('puts existing rows in slot 1, and down gives back one partner per number', async () => {
    const all = await runMigrations(databaseUrl, { secrets: testInfra().secrets });
    expect(all[all.length - 1]).toBe('PartnerSlots1764096400000');
    await undoLast();
    expect(await columns('channels')).toContain('multi_webhook_enabled');

    // a number as it was before slots: a key, a primary and an extra, /multi_webhook on
    const [client] = (await db.query<{ id: string }>(`INSERT INTO clients (name) VALUES ('c') RETURNING id`)).rows;
    const [channel] = (
      await db.query<{ id: string }>(
        `INSERT INTO channels (client_id, phone_number_id, waba_id, display_phone_number, multi_webhook_enabled)
         VALUES ($1, $2, 'w', '1', true) RETURNING id`,
        [client.id, `${Date.now()}`],
      )
    ).rows;
    await db.query(`INSERT INTO api_keys (channel_id, key_hash) VALUES ($1, $2)`, [channel.id, randomBytes(32).toString('hex')]);
    for (const [kind, destination] of [
      ['primary', 'primary'],
      ['extra', 'crm'],
    ]) {
      await db.query(`INSERT INTO webhook_destinations (channel_id, kind, name, url, signing_secret) VALUES ($1, $2, $3, 'https://p.example/', 's')`, [
        channel.id,
        kind,
        destination,
      ]);
    }

    expect(await runMigrations(databaseUrl, { secrets: testInfra().secrets })).toEqual(['PartnerSlots1764096400000']);
    expect((await db.query(`SELECT partner_slots, multi_webhook_slots FROM channels WHERE id = $1`, [channel.id])).rows).toEqual([
      { partner_slots: 1, multi_webhook_slots: ['1'] },
    ]);
    expect((await db.query(`SELECT slot FROM api_keys WHERE channel_id = $1`, [channel.id])).rows).toEqual([{ slot: '1' }]);
    expect((await db.query(`SELECT DISTINCT slot FROM webhook_destinations WHERE channel_id = $1`, [channel.id])).rows).toEqual([{ slot: '1' }]);
    expect(await columns('channels')).not.toContain('multi_webhook_enabled');
    // a bad label never gets in, and a name may repeat in another slot only
    await expect(db.query(`UPDATE api_keys SET slot = 'a/b' WHERE channel_id = $1`, [channel.id])).rejects.toThrow(/api_keys_slot_label/);
    await db.query(
      `INSERT INTO webhook_destinations (channel_id, slot, kind, name, url, signing_secret) VALUES ($1, 'inbox', 'primary', 'primary', 'https://q.example/', 's')`,
      [channel.id],
    );
    await expect(
      db.query(`INSERT INTO webhook_destinations (channel_id, kind, name, url, signing_secret) VALUES ($1, 'primary', 'primary', 'https://r.example/', 's')`, [
        channel.id,
      ]),
    ).rejects.toThrow(/webhook_destinations_channel_id_slot_kind_name_key/);

    // down: the other slot's destinations go, slot 1's stay, the flag comes back
    await undoLast();
    expect((await db.query(`SELECT kind, name, url FROM webhook_destinations WHERE channel_id = $1 ORDER BY kind DESC`, [channel.id])).rows).toEqual([
      { kind: 'primary', name: 'primary', url: 'https://p.example/' },
      { kind: 'extra', name: 'crm', url: 'https://p.example/' },
    ]);
    expect((await db.query(`SELECT multi_webhook_enabled FROM channels WHERE id = $1`, [channel.id])).rows).toEqual([{ multi_webhook_enabled: true }]);
    expect(await columns('api_keys')).not.toContain('slot');
    // and up again
    expect(await runMigrations(databaseUrl, { secrets: testInfra().secrets })).toEqual(['PartnerSlots1764096400000']);
  });
});
