import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { provisionChannel, TestStack, testInfra, waitFor, type ProvisionedChannel } from '@wabridge/testing';
import { Client } from 'pg';
import { bearer, call, partnerKey } from './support/http';

const UNAUTHORIZED = { error: 'Invalid or missing D360-API-KEY' };

describe('gateway: operator API, partner keys and webhook binding', () => {
  let stack: TestStack;
  let gateway: string;
  let db: Client;
  const admin = () => bearer(stack.adminToken);

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['gateway'] });
    gateway = stack.url('gateway');
    db = new Client({ connectionString: testInfra().databaseUrl });
    await db.connect();
  }, 90000);

  afterAll(async () => {
    await db?.end();
    await stack?.stop();
  });

  async function newClient(name = 'Acme GmbH'): Promise<string> {
    const created = await call<{ id: string }>('POST', `${gateway}/admin/v1/clients`, { headers: admin(), body: { name } });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  let nextNumber = Date.now() % 1_000_000_000;
  const channelBody = (clientId: string) => {
    nextNumber += 1;
    return { client_id: clientId, phone_number_id: `10${nextNumber}`, waba_id: `20${nextNumber}`, display_phone_number: `4930${nextNumber}` };
  };

  describe('operator API', () => {
    it('refuses calls without the admin token, or with a wrong one', async () => {
      for (const headers of [{}, bearer('wrong'), { authorization: stack.adminToken }, partnerKey(stack.adminToken)]) {
        const answer = await call('POST', `${gateway}/admin/v1/clients`, { headers, body: { name: 'x' } });
        expect(answer.status).toBe(401);
        expect(answer.body).toEqual({ error: expect.any(String) });
      }
      expect((await call('GET', `${gateway}/admin/v1/channels`)).status).toBe(401);
    });

    it('onboards a client, a channel and a key', async () => {
      const client = await call('POST', `${gateway}/admin/v1/clients`, { headers: admin(), body: { name: 'Kerry Shop' } });
      expect(client.status).toBe(201);
      expect(client.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'Kerry Shop', created_at: expect.any(String) });

      const body = channelBody(client.body.id);
      const channel = await call('POST', `${gateway}/admin/v1/channels`, { headers: admin(), body });
      expect(channel.status).toBe(201);
      expect(channel.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), ...body, created_at: expect.any(String) });

      const fetched = await call('GET', `${gateway}/admin/v1/channels/${channel.body.id}`, { headers: admin() });
      expect(fetched.status).toBe(200);
      expect(fetched.body).toMatchObject({ ...channel.body, bound: false, webhook_host: null });

      const key = await call('POST', `${gateway}/admin/v1/channels/${channel.body.id}/api-keys`, { headers: admin() });
      expect(key.status).toBe(201);
      expect(key.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), api_key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), slot: '1' });

      // only the SHA-256 of the key is stored
      const stored = await db.query('SELECT * FROM api_keys WHERE id = $1', [key.body.id]);
      expect(stored.rows).toHaveLength(1);
      expect(stored.rows[0].key_hash).toBe(createHash('sha256').update(key.body.api_key).digest('hex'));
      expect(JSON.stringify(stored.rows[0])).not.toContain(key.body.api_key);

      const answer = await call('GET', `${gateway}/v1/configs/webhook`, { headers: partnerKey(key.body.api_key) });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ url: '', headers: {} });
    });

    it('answers bad operator input with a 400 naming the field', async () => {
      const clientId = await newClient();
      const cases: [string, unknown, string][] = [
        ['/admin/v1/clients', {}, 'name'],
        ['/admin/v1/clients', { name: '' }, 'name'],
        ['/admin/v1/channels', { ...channelBody(clientId), client_id: 'not-a-uuid' }, 'client_id'],
        ['/admin/v1/channels', { ...channelBody(clientId), phone_number_id: '1/../2' }, 'phone_number_id'],
        ['/admin/v1/channels', { ...channelBody(clientId), waba_id: undefined }, 'waba_id'],
        ['/admin/v1/channels', { ...channelBody(clientId), display_phone_number: 'call me' }, 'display_phone_number'],
        ['/admin/v1/channels', ['not', 'an', 'object'], 'body'],
      ];
      for (const [path, body, field] of cases) {
        const answer = await call('POST', `${gateway}${path}`, { headers: admin(), body });
        expect({ path, field, status: answer.status }).toEqual({ path, field, status: 400 });
        expect(answer.body.error).toContain(field);
      }
    });

    it('refuses a duplicate phone_number_id with 409 and an unknown client with 404', async () => {
      const clientId = await newClient();
      const body = channelBody(clientId);
      expect((await call('POST', `${gateway}/admin/v1/channels`, { headers: admin(), body })).status).toBe(201);
      const duplicate = await call('POST', `${gateway}/admin/v1/channels`, { headers: admin(), body: { ...body, waba_id: '1' } });
      expect(duplicate.status).toBe(409);
      expect(duplicate.body).toEqual({ error: expect.stringContaining('phone_number_id') });
      const unknown = await call('POST', `${gateway}/admin/v1/channels`, {
        headers: admin(),
        body: channelBody('00000000-0000-4000-8000-000000000000'),
      });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual({ error: expect.stringContaining('client') });
    });

    it('validates channel ids in paths: 400 for garbage, 404 for unknown', async () => {
      for (const path of ['/admin/v1/channels/xyz', '/admin/v1/channels/xyz/api-keys', '/api/v2/partners/p1/channels/xyz/api_keys']) {
        const method = path.endsWith('keys') ? 'POST' : 'GET';
        const answer = await call(method, `${gateway}${path}`, { headers: admin() });
        expect({ path, status: answer.status }).toEqual({ path, status: 400 });
        expect(answer.body).toEqual({ error: expect.stringContaining('UUID') });
      }
      const unknown = '6f1d2c3b-4a59-4e8f-9d0c-1b2a3c4d5e6f';
      expect((await call('GET', `${gateway}/admin/v1/channels/${unknown}`, { headers: admin() })).status).toBe(404);
      expect((await call('POST', `${gateway}/admin/v1/channels/${unknown}/api-keys`, { headers: admin() })).status).toBe(404);
      expect((await call('POST', `${gateway}/api/v2/partners/p1/channels/${unknown}/api_keys`, { headers: admin() })).status).toBe(404);
    });

    it('pages through channels with a cursor', async () => {
      const clientId = await newClient();
      const created: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const answer = await call('POST', `${gateway}/admin/v1/channels`, { headers: admin(), body: channelBody(clientId) });
        created.push(answer.body.id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `client_id=${clientId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await call<{ data: { id: string }[]; next_cursor: string | null }>('GET', `${gateway}/admin/v1/channels?${query}`, {
          headers: admin(),
        });
        expect(page.status).toBe(200);
        expect(page.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.data.map((channel) => channel.id));
        cursor = page.body.next_cursor;
        pages += 1;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual(created);

      const all = await call('GET', `${gateway}/admin/v1/channels`, { headers: admin() });
      expect(all.status).toBe(200);
      expect(Object.keys(all.body).sort()).toEqual(['data', 'next_cursor']);
      expect(all.body.data.length).toBeGreaterThanOrEqual(5);
      for (const query of ['cursor=garbage', 'limit=0', 'limit=abc', 'limit=100000', 'client_id=nope']) {
        const bad = await call('GET', `${gateway}/admin/v1/channels?${query}`, { headers: admin() });
        expect({ query, status: bad.status }).toEqual({ query, status: 400 });
      }
    });
  });

  describe('partner keys', () => {
    let channel: ProvisionedChannel;

    beforeAll(async () => {
      channel = await provisionChannel(gateway, stack.adminToken);
    });

    it('refuses a missing, unknown or malformed key with 401', async () => {
      const cases = [{}, partnerKey('x'.repeat(43)), partnerKey('short'), partnerKey(''), bearer(channel.apiKey)];
      for (const headers of cases) {
        const answer = await call('GET', `${gateway}/v1/configs/webhook`, { headers });
        expect(answer.status).toBe(401);
        expect(answer.body).toEqual(UNAUTHORIZED);
      }
    });

    it('refuses the old key within 1 s after a new one was issued, and drops the binding', async () => {
      const oldKey = channel.apiKey;
      const bound = await call('POST', `${gateway}/v1/configs/webhook`, { headers: partnerKey(oldKey), body: { url: 'http://127.0.0.1:9/old' } });
      expect(bound.status).toBe(200);

      const reissued = await call('POST', `${gateway}/admin/v1/channels/${channel.channelId}/api-keys`, { headers: admin() });
      expect(reissued.status).toBe(201);
      const issuedAt = Date.now();
      await waitFor(async () => (await call('GET', `${gateway}/v1/configs/webhook`, { headers: partnerKey(oldKey) })).status === 401, {
        timeoutMs: 1000,
        intervalMs: 20,
        what: 'the revoked key to be refused',
      });
      expect(Date.now() - issuedAt).toBeLessThan(1000);

      const rebind = await call('POST', `${gateway}/v1/configs/webhook`, { headers: partnerKey(oldKey), body: { url: 'http://127.0.0.1:9/again' } });
      expect(rebind.status).toBe(401);
      const stored = await db.query(`SELECT count(*)::int AS n FROM webhook_destinations WHERE channel_id = $1`, [channel.channelId]);
      expect(stored.rows[0].n).toBe(0);

      const revoked = await db.query(`SELECT count(*)::int AS n FROM api_keys WHERE channel_id = $1 AND revoked_at IS NULL`, [channel.channelId]);
      expect(revoked.rows[0].n).toBe(1);
      const current = await call('GET', `${gateway}/v1/configs/webhook`, { headers: partnerKey(reissued.body.api_key) });
      expect(current.body).toEqual({ url: '', headers: {} });
      channel = { ...channel, apiKey: reissued.body.api_key };
    });

    it('issues keys in the 360dialog partner API shape with the same effect', async () => {
      await call('POST', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey), body: { url: 'http://127.0.0.1:9/p' } });
      const answer = await call('POST', `${gateway}/api/v2/partners/partner-1/channels/${channel.channelId}/api_keys`, { headers: admin() });
      expect(answer.status).toBe(201);
      expect(answer.body).toEqual({
        api_keys: [{ address: stack.url('gateway'), api_key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), app_id: channel.channelId, id: expect.any(String) }],
      });
      const newKey = answer.body.api_keys[0].api_key;
      expect((await call('GET', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey) })).status).toBe(401);
      const unbound = await call('GET', `${gateway}/v1/configs/webhook`, { headers: partnerKey(newKey) });
      expect(unbound.status).toBe(200);
      expect(unbound.body).toEqual({ url: '', headers: {} });
      expect((await call('POST', `${gateway}/api/v2/partners/partner-1/channels/${channel.channelId}/api_keys`)).status).toBe(401);
      const badPartner = await call('POST', `${gateway}/api/v2/partners/${encodeURIComponent('a b')}/channels/${channel.channelId}/api_keys`, {
        headers: admin(),
      });
      expect(badPartner.status).toBe(400);
      channel = { ...channel, apiKey: newKey };
    });
  });

  describe('webhook binding', () => {
    let channel: ProvisionedChannel;
    /** the stored rows with their sealed secrets opened (docs/security.md) */
    const primaryRows = async () =>
      (
        await db.query<{ url: string; signing_secret: string; headers: Record<string, string> }>(`SELECT * FROM webhook_destinations WHERE channel_id = $1`, [
          channel.channelId,
        ])
      ).rows.map((row) => ({ ...row, headers: testInfra().secrets.openHeaders(row.headers), signing_secret: testInfra().secrets.open(row.signing_secret) }));

    beforeAll(async () => {
      channel = await provisionChannel(gateway, stack.adminToken);
    });

    it('sets, reads and deletes the primary webhook', async () => {
      const headers = { 'X-Partner-Token': 'abc123' };
      const set = await call('POST', `${gateway}/v1/configs/webhook`, {
        headers: partnerKey(channel.apiKey),
        body: { url: 'http://127.0.0.1:8080/hooks/whatsapp', headers },
      });
      expect(set.status).toBe(200);
      expect(set.body).toEqual({ url: 'http://127.0.0.1:8080/hooks/whatsapp', headers, signing_secret: expect.stringMatching(/^whsec_/) });
      const rows = await primaryRows();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        kind: 'primary',
        name: 'primary',
        url: 'http://127.0.0.1:8080/hooks/whatsapp',
        headers,
        signing_secret: set.body.signing_secret,
      });

      const get = await call('GET', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey) });
      expect(get.status).toBe(200);
      expect(get.body).toEqual({ url: 'http://127.0.0.1:8080/hooks/whatsapp', headers });

      const status = await call('GET', `${gateway}/admin/v1/channels/${channel.channelId}`, { headers: admin() });
      expect(status.body).toMatchObject({ bound: true, webhook_host: '127.0.0.1' });
      expect(status.text).not.toContain('/hooks/whatsapp');
      expect(status.text).not.toContain(channel.apiKey);

      const noHeaders = await call('POST', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey), body: { url: 'http://127.0.0.1:8080/b' } });
      expect(noHeaders.body).toMatchObject({ url: 'http://127.0.0.1:8080/b', headers: {} });

      const deleted = await call('DELETE', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey) });
      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({});
      expect(await primaryRows()).toHaveLength(0);
      const gone = await call('GET', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey) });
      // nothing bound: 200 with an empty url, as 360dialog answers (n8n's trigger reads it before binding)
      expect(gone.status).toBe(200);
      expect(gone.body).toEqual({ url: '', headers: {} });
      expect((await call('GET', `${gateway}/admin/v1/channels/${channel.channelId}`, { headers: admin() })).body).toMatchObject({
        bound: false,
        webhook_host: null,
      });
    });

    it('lets the last writer win, with one row and a fresh secret per binding', async () => {
      const first = await call('POST', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey), body: { url: 'http://127.0.0.1:8081/a' } });
      const second = await call('POST', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey), body: { url: 'http://127.0.0.1:8082/b' } });
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(second.body.signing_secret).not.toBe(first.body.signing_secret);
      const rows = await primaryRows();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ url: 'http://127.0.0.1:8082/b', signing_secret: second.body.signing_secret });

      const urls = Array.from({ length: 8 }, (_, i) => `http://127.0.0.1:9000/concurrent/${i}`);
      const answers = await Promise.all(
        urls.map((url) => call('POST', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey), body: { url } })),
      );
      expect(answers.map((answer) => answer.status)).toEqual(urls.map(() => 200));
      const after = await primaryRows();
      expect(after).toHaveLength(1);
      const winner = answers.find((answer) => answer.body.url === after[0].url);
      expect(winner).toBeDefined();
      expect(after[0].signing_secret).toBe(winner!.body.signing_secret);
    });

    it('refuses hostile URLs and headers with a 400 and keeps the current binding', async () => {
      const good = await call('POST', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey), body: { url: 'http://127.0.0.1:8083/keep' } });
      expect(good.status).toBe(200);
      const hostile: unknown[] = [
        { url: 'https://10.0.0.8/hook' },
        { url: 'https://192.168.1.1/hook' },
        { url: 'http://169.254.169.254/latest/meta-data/' },
        { url: 'https://[::ffff:169.254.169.254]/' },
        { url: 'https://[::1]/hook' },
        { url: 'https://user:secret@partner.example/hook' },
        { url: 'ftp://partner.example/hook' },
        { url: 'not a url' },
        { url: 'https://partner.invalid/hook' },
        {},
        'https://partner.example',
        { url: 'http://127.0.0.1:8083/x', headers: { 'X-Evil': 'a\r\nX-Injected: 1' } },
        { url: 'http://127.0.0.1:8083/x', headers: { Host: 'internal.service' } },
        { url: 'http://127.0.0.1:8083/x', headers: { 'Content-Type': 'text/plain' } },
        { url: 'http://127.0.0.1:8083/x', headers: { 'webhook-signature': 'v1,forged' } },
        { url: 'http://127.0.0.1:8083/x', headers: { 'X-Number': 5 } },
      ];
      for (const body of hostile) {
        const answer = await call('POST', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey), body });
        expect({ body, status: answer.status }).toEqual({ body, status: 400 });
        expect(answer.body).toEqual({ error: expect.any(String) });
      }
      const rows = await primaryRows();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ url: 'http://127.0.0.1:8083/keep', signing_secret: good.body.signing_secret });
    });
  });

  it('answers unknown routes, wrong content types and oversized bodies with JSON errors', async () => {
    const notFound = await call('GET', `${gateway}/nope/nothing`);
    expect(notFound.status).toBe(404);
    expect(notFound.body).toEqual({ error: 'not found' });
    const form = await call('POST', `${gateway}/admin/v1/clients`, {
      headers: { ...admin(), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=x',
    });
    expect(form.status).toBe(415);
    expect(form.body).toEqual({ error: expect.any(String) });
    const malformed = await call('POST', `${gateway}/admin/v1/clients`, { headers: { ...admin(), 'content-type': 'application/json' }, body: '{"name":' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ error: 'malformed JSON body' });
    const huge = await call('POST', `${gateway}/admin/v1/clients`, {
      headers: { ...admin(), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) }),
    });
    expect(huge.status).toBe(413);
    expect(huge.body).toEqual({ error: expect.any(String) });
    const health = await call('GET', `${gateway}/health`);
    expect(health.status).toBe(200);
  });

  it('serves the OpenAPI document at /docs (UI) and /docs/json, as committed in docs/openapi.json, with PUBLIC_URL as server', async () => {
    const ui = await call('GET', `${gateway}/docs`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toContain('text/html');
    expect(ui.text).toContain('swagger');
    // the UI's assets are served locally (no CDN)
    const bundle = /src=['"]([^'"]*swagger-ui-bundle\.js)['"]/.exec(ui.text)?.[1];
    expect(bundle).toBeDefined();
    const asset = await fetch(new URL(bundle!, `${gateway}/docs`));
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('javascript');
    const json = await call('GET', `${gateway}/docs/json`);
    expect(json.status).toBe(200);
    const committed = JSON.parse(readFileSync(join(__dirname, '../../../docs/openapi.json'), 'utf8')) as Record<string, unknown>;
    expect(json.body).toEqual({ ...committed, servers: [{ url: gateway }] });
  });

  it('serves the AsyncAPI document of the Kafka topics next to it, at /docs/asyncapi.yaml and /docs/asyncapi.json, as committed in docs/asyncapi.yaml', async () => {
    const yaml = await call('GET', `${gateway}/docs/asyncapi.yaml`);
    expect(yaml.status).toBe(200);
    expect(yaml.headers.get('content-type')).toContain('application/yaml');
    expect(yaml.text).toBe(readFileSync(join(__dirname, '../../../docs/asyncapi.yaml'), 'utf8'));
    const json = await call('GET', `${gateway}/docs/asyncapi.json`);
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ asyncapi: '3.0.0', channels: { webhooks: { address: 'whatsapp.webhooks.v1' } } });
  });
});
