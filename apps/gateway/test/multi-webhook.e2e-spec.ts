import { PartnerServer, provisionChannel, TestStack, testInfra, type ProvisionedChannel } from '@wabridge/testing';
import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { bearer, call, partnerKey } from './support/http';

/** The router caches bindings for at most this long (SPEC §4: a change reaches every instance within 1 s). */
const BINDING_PROPAGATION_MS = 1100;

interface DestinationView {
  name: string;
  url: string;
  headers: Record<string, string>;
  signing_secret?: string;
}

describe('gateway: /multi_webhook extra destinations', () => {
  let stack: TestStack;
  let gateway: string;
  let db: Client;

  beforeAll(async () => {
    // a cap of 4 instead of the default 3: the cap is a setting
    stack = await TestStack.start({
      services: ['gateway', 'ingress', 'router', 'wa-sim'],
      env: { gateway: { MULTI_WEBHOOK_MAX: '4' }, 'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' } },
    });
    gateway = stack.url('gateway');
    db = new Client({ connectionString: testInfra().databaseUrl });
    await db.connect();
  }, 120000);

  afterAll(async () => {
    await db?.end();
    await stack?.stop();
  });

  const extraRows = async (channelId: string) =>
    (
      await db.query<{ name: string; url: string; headers: Record<string, string>; signing_secret: string }>(
        `SELECT name, url, headers, signing_secret FROM webhook_destinations WHERE channel_id = $1 AND kind = 'extra' ORDER BY name`,
        [channelId],
      )
    ).rows;

  const multi = (channel: ProvisionedChannel, method: string, body?: unknown, suffix = '') =>
    call(method, `${gateway}/multi_webhook${suffix}`, { headers: partnerKey(channel.apiKey), body });

  describe('managing destinations', () => {
    let channel: ProvisionedChannel;

    beforeAll(async () => {
      channel = await provisionChannel(gateway, stack.adminToken);
    });

    it('starts switched off with no destinations, and refuses calls without a valid key', async () => {
      const answer = await multi(channel, 'GET');
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ enabled: false, destinations: [] });
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
        const refused = await call(method, `${gateway}/multi_webhook`, { headers: partnerKey('x'.repeat(43)), body: method === 'GET' || method === 'DELETE' ? undefined : { enabled: true } });
        expect({ method, status: refused.status, body: refused.body }).toEqual({ method, status: 401, body: { error: 'Invalid or missing D360-API-KEY' } });
      }
      expect((await call('GET', `${gateway}/multi_webhook`, { headers: bearer(channel.apiKey) })).status).toBe(401);
    });

    it('refuses PUT and PATCH while switched off', async () => {
      const put = await multi(channel, 'PUT', { destinations: [{ name: 'crm', url: 'http://127.0.0.1:9/crm' }] });
      expect(put.status).toBe(409);
      expect(put.body).toEqual({ error: expect.stringContaining('not enabled'), message: expect.stringContaining('not enabled') });
      expect((await multi(channel, 'PATCH', { name: 'crm', url: 'http://127.0.0.1:9/x' })).status).toBe(404);
      expect(await extraRows(channel.channelId)).toEqual([]);
    });

    it('POST switches it on with a set of destinations, each with its own signing secret', async () => {
      const answer = await multi(channel, 'POST', {
        enabled: true,
        destinations: [
          { name: 'crm', url: 'http://127.0.0.1:9/crm', headers: { 'X-Crm-Token': 'c1' } },
          { name: 'CRM', url: 'http://127.0.0.1:9/crm-upper' },
        ],
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        message: expect.any(String),
        enabled: true,
        destinations: [
          { name: 'crm', url: 'http://127.0.0.1:9/crm', headers: { 'X-Crm-Token': 'c1' }, signing_secret: expect.stringMatching(/^whsec_/) },
          { name: 'CRM', url: 'http://127.0.0.1:9/crm-upper', headers: {}, signing_secret: expect.stringMatching(/^whsec_/) },
        ],
      });
      const [lower, upper] = answer.body.destinations as DestinationView[];
      expect(lower.signing_secret).not.toBe(upper.signing_secret);
      const rows = await extraRows(channel.channelId);
      expect(rows.map((row) => [row.name, row.signing_secret])).toEqual(
        expect.arrayContaining([
          ['crm', lower.signing_secret],
          ['CRM', upper.signing_secret],
        ]),
      );

      const get = await multi(channel, 'GET');
      expect(get.body).toEqual({
        enabled: true,
        destinations: [
          { name: 'crm', url: 'http://127.0.0.1:9/crm', headers: { 'X-Crm-Token': 'c1' } },
          { name: 'CRM', url: 'http://127.0.0.1:9/crm-upper', headers: {} },
        ],
      });
      // the primary webhook is untouched
      expect((await call('GET', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey) })).status).toBe(404);
    });

    it('PUT appends within the cap; a used name or one too many is a 409 that changes nothing', async () => {
      const added = await multi(channel, 'PUT', { destinations: [{ name: 'analytics', url: 'http://127.0.0.1:9/analytics' }] });
      expect(added.status).toBe(200);
      const destinations = added.body.destinations as DestinationView[];
      expect(destinations.map((d) => d.name)).toEqual(['crm', 'CRM', 'analytics']);
      expect(destinations.find((d) => d.name === 'analytics')?.signing_secret).toMatch(/^whsec_/);
      // secrets are shown by the call that created them only
      expect(destinations.find((d) => d.name === 'crm')).not.toHaveProperty('signing_secret');

      const clash = await multi(channel, 'PUT', { destinations: [{ name: 'crm', url: 'http://127.0.0.1:9/other' }] });
      expect(clash.status).toBe(409);
      expect(clash.body.error).toContain('"crm" already exists');

      const tooMany = await multi(channel, 'PUT', {
        destinations: [
          { name: 'four', url: 'http://127.0.0.1:9/4' },
          { name: 'five', url: 'http://127.0.0.1:9/5' },
        ],
      });
      expect(tooMany.status).toBe(409);
      expect(tooMany.body.error).toContain('at most 4');
      expect((await extraRows(channel.channelId)).map((row) => row.name).sort()).toEqual(['CRM', 'analytics', 'crm']);

      // one bare destination is accepted as well; that fills the cap of 4
      const bare = await multi(channel, 'PUT', { name: 'four', url: 'http://127.0.0.1:9/4' });
      expect(bare.status).toBe(200);
      expect((await multi(channel, 'PUT', { name: 'five', url: 'http://127.0.0.1:9/5' })).status).toBe(409);
      expect(await extraRows(channel.channelId)).toHaveLength(4);
    });

    it('PATCH changes one destination by its exact name and keeps its secret', async () => {
      const before = (await extraRows(channel.channelId)).find((row) => row.name === 'crm')!;
      const patched = await multi(channel, 'PATCH', { name: 'crm', url: 'http://127.0.0.1:9/crm-v2', headers: { 'X-Crm-Token': 'c2' } });
      expect(patched.status).toBe(200);
      expect((patched.body.destinations as DestinationView[]).find((d) => d.name === 'crm')).toEqual({
        name: 'crm',
        url: 'http://127.0.0.1:9/crm-v2',
        headers: { 'X-Crm-Token': 'c2' },
      });
      const after = await extraRows(channel.channelId);
      expect(after.find((row) => row.name === 'crm')).toMatchObject({ url: 'http://127.0.0.1:9/crm-v2', signing_secret: before.signing_secret });
      expect(after.find((row) => row.name === 'CRM')).toMatchObject({ url: 'http://127.0.0.1:9/crm-upper' });

      const headersOnly = await multi(channel, 'PATCH', { headers: {} }, '/CRM');
      expect(headersOnly.status).toBe(200);
      expect((await extraRows(channel.channelId)).find((row) => row.name === 'CRM')).toMatchObject({ url: 'http://127.0.0.1:9/crm-upper', headers: {} });

      const unknown = await multi(channel, 'PATCH', { name: 'Crm', url: 'http://127.0.0.1:9/x' });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toContain('"Crm"');
    });

    it('refuses hostile URLs and headers with a 400 and keeps what was there', async () => {
      const before = await extraRows(channel.channelId);
      const hostile: [string, unknown][] = [
        ['POST', { enabled: true, destinations: [{ name: 'x', url: 'https://10.0.0.8/hook' }] }],
        ['POST', { enabled: true, destinations: [{ name: 'x', url: 'http://169.254.169.254/latest/meta-data/' }] }],
        ['POST', { enabled: true, destinations: [{ name: 'x', url: 'https://user:pw@partner.example/' }] }],
        ['POST', { enabled: true, destinations: [{ name: 'x', url: 'https://partner.invalid/hook' }] }],
        ['POST', { enabled: true, destinations: [{ name: 'x', url: 'http://127.0.0.1:9/x', headers: { Host: 'internal' } }] }],
        ['POST', { enabled: true, destinations: [{ name: 'x', url: 'http://127.0.0.1:9/x', headers: { 'X-A': 'a\r\nX-B: b' } }] }],
        ['POST', { enabled: true, destinations: [{ name: 'primary', url: 'http://127.0.0.1:9/x' }] }],
        ['POST', { enabled: 'yes' }],
        ['POST', 'not json'],
        ['PATCH', { name: 'crm', url: 'https://192.168.0.1/' }],
        ['PATCH', { name: 'crm', headers: { 'webhook-signature': 'v1,forged' } }],
      ];
      for (const [method, body] of hostile) {
        const answer = await call(method, `${gateway}/multi_webhook`, {
          headers: { ...partnerKey(channel.apiKey), 'content-type': 'application/json' },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        });
        expect({ method, body, status: answer.status }).toEqual({ method, body, status: 400 });
        expect(answer.body).toEqual({ error: expect.any(String), ...(answer.body.message ? { message: expect.any(String) } : {}) });
      }
      expect(await extraRows(channel.channelId)).toEqual(before);
    });

    it('DELETE removes one destination by name, or all of them and switches the feature off', async () => {
      const one = await multi(channel, 'DELETE', undefined, '?name=CRM');
      expect(one.status).toBe(200);
      expect((one.body.destinations as DestinationView[]).map((d) => d.name)).toEqual(['crm', 'analytics', 'four']);
      const byPath = await multi(channel, 'DELETE', undefined, '/four');
      expect(byPath.status).toBe(200);
      expect((await multi(channel, 'DELETE', undefined, '/four')).status).toBe(404);
      expect((await extraRows(channel.channelId)).map((row) => row.name).sort()).toEqual(['analytics', 'crm']);

      const all = await multi(channel, 'DELETE');
      expect(all.status).toBe(200);
      expect(all.body).toEqual({ message: expect.any(String), enabled: false, destinations: [] });
      expect(await extraRows(channel.channelId)).toEqual([]);
      expect((await multi(channel, 'GET')).body).toEqual({ enabled: false, destinations: [] });
    });

    it('POST replaces the whole set, and enabled: false empties it', async () => {
      await multi(channel, 'POST', { enabled: true, destinations: [{ name: 'a', url: 'http://127.0.0.1:9/a' }, { name: 'b', url: 'http://127.0.0.1:9/b' }] });
      const replaced = await multi(channel, 'POST', { enabled: true, destinations: [{ name: 'c', url: 'http://127.0.0.1:9/c' }] });
      expect(replaced.status).toBe(200);
      expect((await extraRows(channel.channelId)).map((row) => row.name)).toEqual(['c']);
      const off = await multi(channel, 'POST', { enabled: false });
      expect(off.body).toEqual({ message: expect.any(String), enabled: false, destinations: [] });
      expect(await extraRows(channel.channelId)).toEqual([]);
      const duplicate = await multi(channel, 'POST', { enabled: true, destinations: [{ name: 'd', url: 'http://127.0.0.1:9/d' }, { name: 'd', url: 'http://127.0.0.1:9/e' }] });
      expect(duplicate.status).toBe(409);
      expect(await extraRows(channel.channelId)).toEqual([]);
    });

    it('keeps the cap under concurrent appends', async () => {
      await multi(channel, 'POST', { enabled: true });
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => multi(channel, 'PUT', { destinations: [{ name: `n${i}`, url: `http://127.0.0.1:9/${i}` }] })),
      );
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(4);
      expect(answers.filter((answer) => answer.status === 409)).toHaveLength(4);
      expect(await extraRows(channel.channelId)).toHaveLength(4);
    });

    it('a newly issued key drops the extras with the primary binding: the old partner gets no more copies', async () => {
      await call('POST', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey), body: { url: 'http://127.0.0.1:9/primary' } });
      expect(await extraRows(channel.channelId)).toHaveLength(4);
      const reissued = await call('POST', `${gateway}/admin/v1/channels/${channel.channelId}/api-keys`, { headers: bearer(stack.adminToken) });
      expect(reissued.status).toBe(201);
      const left = await db.query(`SELECT kind, name FROM webhook_destinations WHERE channel_id = $1`, [channel.channelId]);
      expect(left.rows).toEqual([]);
      const fresh = await call('GET', `${gateway}/multi_webhook`, { headers: partnerKey(reissued.body.api_key) });
      expect(fresh.body).toEqual({ enabled: false, destinations: [] });
      expect((await multi(channel, 'PUT', { name: 'late', url: 'http://127.0.0.1:9/late' })).status).toBe(401);
    });
  });

  it('the router delivers every event to the primary and to each extra, each signed with its own secret', async () => {
    const channel = await provisionChannel(gateway, stack.adminToken);
    const [primary, crm, analytics] = await Promise.all([PartnerServer.start(), PartnerServer.start(), PartnerServer.start()]);
    try {
      const bound = await call('POST', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey), body: { url: `${primary.url}/primary` } });
      expect(bound.status).toBe(200);
      const enabled = await multi(channel, 'POST', {
        enabled: true,
        destinations: [
          { name: 'crm', url: `${crm.url}/crm`, headers: { 'X-Crm-Token': 'secret-crm' } },
          { name: 'analytics', url: `${analytics.url}/analytics` },
        ],
      });
      expect(enabled.status).toBe(200);
      const secrets = new Map((enabled.body.destinations as DestinationView[]).map((d) => [d.name, d.signing_secret!]));

      const inbound = await call('POST', `${stack.url('wa-sim')}/sim/inbound`, {
        body: { phone_number_id: channel.phoneNumberId, from: '4915123456789', text: 'hello to all', waba_id: channel.wabaId },
      });
      expect(inbound.body.ingress_status).toBe(200);
      const hasWamid = (wamid: string) => (request: { body: Buffer }) => request.body.toString('utf8').includes(wamid);
      const [toPrimary] = await primary.waitForRequests(1, 20000, hasWamid(inbound.body.wamid));
      const [toCrm] = await crm.waitForRequests(1, 20000, hasWamid(inbound.body.wamid));
      const [toAnalytics] = await analytics.waitForRequests(1, 20000, hasWamid(inbound.body.wamid));

      expect(toCrm.body.equals(toPrimary.body)).toBe(true);
      expect(toAnalytics.body.equals(toPrimary.body)).toBe(true);
      expect(toCrm.headers['webhook-id']).toBe(toPrimary.headers['webhook-id']);
      expect(toCrm.headers['x-crm-token']).toBe('secret-crm');
      expect(toAnalytics.headers['x-crm-token']).toBeUndefined();
      const verify = (secret: string, request: typeof toCrm) => new Webhook(secret).verify(request.body.toString('utf8'), request.headers);
      expect(() => verify(bound.body.signing_secret, toPrimary)).not.toThrow();
      expect(() => verify(secrets.get('crm')!, toCrm)).not.toThrow();
      expect(() => verify(secrets.get('analytics')!, toAnalytics)).not.toThrow();
      expect(() => verify(secrets.get('crm')!, toAnalytics)).toThrow();

      // a deleted destination gets nothing that was routed after the change reached the router
      expect((await multi(channel, 'DELETE', undefined, '/analytics')).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, BINDING_PROPAGATION_MS));
      const second = await call('POST', `${stack.url('wa-sim')}/sim/inbound`, {
        body: { phone_number_id: channel.phoneNumberId, from: '4915123456789', text: 'second', waba_id: channel.wabaId },
      });
      await primary.waitForRequests(1, 20000, hasWamid(second.body.wamid));
      await crm.waitForRequests(1, 20000, hasWamid(second.body.wamid));
      expect(analytics.received.filter(hasWamid(second.body.wamid))).toEqual([]);
    } finally {
      await Promise.all([primary.close(), crm.close(), analytics.close()]);
    }
  });
});
