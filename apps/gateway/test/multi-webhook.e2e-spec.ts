import {
  PartnerServer,
  provisionChannel,
  TestStack,
  testInfra,
  waitFor,
  type ProvisionedChannel,
  type ReceivedRequest,
  bindingPropagated,
} from '@wabridge/testing';
import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { bearer, call, partnerKey } from './support/http';

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

  /** the stored rows with their sealed secrets opened (docs/security.md) */
  const extraRows = async (channelId: string) =>
    (
      await db.query<{ name: string; url: string; headers: Record<string, string>; signing_secret: string }>(
        `SELECT name, url, headers, signing_secret FROM webhook_destinations WHERE channel_id = $1 AND kind = 'extra' ORDER BY name`,
        [channelId],
      )
    ).rows.map((row) => ({ ...row, headers: testInfra().secrets.openHeaders(row.headers), signing_secret: testInfra().secrets.open(row.signing_secret) }));

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
        const refused = await call(method, `${gateway}/multi_webhook`, {
          headers: partnerKey('x'.repeat(43)),
          body: method === 'GET' || method === 'DELETE' ? undefined : { enabled: true },
        });
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
      expect((await call('GET', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey) })).body).toEqual({ url: '', headers: {} });
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
      await multi(channel, 'POST', {
        enabled: true,
        destinations: [
          { name: 'a', url: 'http://127.0.0.1:9/a' },
          { name: 'b', url: 'http://127.0.0.1:9/b' },
        ],
      });
      const replaced = await multi(channel, 'POST', { enabled: true, destinations: [{ name: 'c', url: 'http://127.0.0.1:9/c' }] });
      expect(replaced.status).toBe(200);
      expect((await extraRows(channel.channelId)).map((row) => row.name)).toEqual(['c']);
      const off = await multi(channel, 'POST', { enabled: false });
      expect(off.body).toEqual({ message: expect.any(String), enabled: false, destinations: [] });
      expect(await extraRows(channel.channelId)).toEqual([]);
      const duplicate = await multi(channel, 'POST', {
        enabled: true,
        destinations: [
          { name: 'd', url: 'http://127.0.0.1:9/d' },
          { name: 'd', url: 'http://127.0.0.1:9/e' },
        ],
      });
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
      await bindingPropagated();
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

  describe('rotating the signing secret of one extra', () => {
    const OVERLAP_MS = 24 * 3600_000;
    let channel: ProvisionedChannel;
    let primary: PartnerServer;
    let crm: PartnerServer;
    let analytics: PartnerServer;
    let primarySecret: string;
    const firstSecrets = new Map<string, string>();
    let rotatedCrm: string;

    interface SecretRow {
      kind: string;
      name: string;
      signing_secret: string;
      previous_signing_secret: string | null;
      previous_secret_expires_at: Date | null;
      disabled_at: Date | null;
    }

    const secretRows = async () => {
      const rows = (
        await db.query<SecretRow>(
          `SELECT kind, name, signing_secret, previous_signing_secret, previous_secret_expires_at, disabled_at
             FROM webhook_destinations WHERE channel_id = $1 ORDER BY kind, name`,
          [channel.channelId],
        )
      ).rows;
      const { secrets } = testInfra();
      return new Map(
        rows.map((row) => [
          `${row.kind}:${row.name}`,
          { ...row, signing_secret: secrets.open(row.signing_secret), previous_signing_secret: secrets.openOptional(row.previous_signing_secret) },
        ]),
      );
    };

    const rotateExtra = (name: string, apiKey = channel.apiKey) =>
      call('POST', `${gateway}/multi_webhook/${encodeURIComponent(name)}/rotate-secret`, { headers: partnerKey(apiKey) });

    /** One inbound message through Meta's stand-in; resolves with the request each named server got for it. */
    const deliverOne = async (text: string, servers: PartnerServer[]): Promise<ReceivedRequest[]> => {
      const inbound = await call('POST', `${stack.url('wa-sim')}/sim/inbound`, {
        body: { phone_number_id: channel.phoneNumberId, from: '4915123456789', text, waba_id: channel.wabaId },
      });
      expect(inbound.body.ingress_status).toBe(200);
      const wamid = String(inbound.body.wamid);
      return Promise.all(
        servers.map(async (server) => (await server.waitForRequests(1, 20000, (request) => request.body.toString('utf8').includes(wamid)))[0]),
      );
    };

    const signatures = (request: ReceivedRequest) => request.headers['webhook-signature'].split(' ');
    const verifies = (secret: string, request: ReceivedRequest) => {
      try {
        new Webhook(secret).verify(request.body.toString('utf8'), request.headers);
        return true;
      } catch {
        return false;
      }
    };

    beforeAll(async () => {
      channel = await provisionChannel(gateway, stack.adminToken);
      [primary, crm, analytics] = await Promise.all([PartnerServer.start(), PartnerServer.start(), PartnerServer.start()]);
      const bound = await call('POST', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey), body: { url: `${primary.url}/primary` } });
      expect(bound.status).toBe(200);
      primarySecret = String(bound.body.signing_secret);
      const enabled = await multi(channel, 'POST', {
        enabled: true,
        destinations: [
          { name: 'crm', url: `${crm.url}/crm` },
          { name: 'analytics', url: `${analytics.url}/analytics` },
        ],
      });
      expect(enabled.status).toBe(200);
      for (const destination of enabled.body.destinations as DestinationView[]) firstSecrets.set(destination.name, destination.signing_secret!);
    });

    afterAll(async () => {
      await Promise.all([primary, crm, analytics].filter(Boolean).map((server) => server.close()));
    });

    it('answers 404 for a name that is not an extra, 400 without a name and 401 for a bad key, changing nothing', async () => {
      const before = await secretRows();
      for (const name of ['Crm', 'primary', 'nope']) {
        const unknown = await rotateExtra(name);
        expect({ name, status: unknown.status, body: unknown.body }).toEqual({
          name,
          status: 404,
          body: { error: `no destination named "${name}"`, message: `no destination named "${name}"` },
        });
      }
      const byQuery = await multi(channel, 'POST', undefined, '/rotate-secret?name=Crm');
      expect(byQuery).toMatchObject({ status: 404, body: { error: 'no destination named "Crm"', message: 'no destination named "Crm"' } });
      const noName = await multi(channel, 'POST', undefined, '/rotate-secret');
      expect(noName).toMatchObject({ status: 400, body: { error: expect.stringContaining('name'), message: expect.stringContaining('name') } });
      const badKey = await rotateExtra('crm', 'x'.repeat(43));
      expect({ status: badKey.status, body: badKey.body }).toEqual({ status: 401, body: { error: 'Invalid or missing D360-API-KEY' } });
      expect(await secretRows()).toEqual(before);
    });

    it('gives the named extra a new secret and keeps its old one for 24 h; the primary and the other extra are untouched', async () => {
      const before = await secretRows();
      const rotated = await rotateExtra('crm');
      expect(rotated.status).toBe(200);
      expect(rotated.body).toEqual({ name: 'crm', signing_secret: expect.stringMatching(/^whsec_/), previous_secret_expires_at: expect.any(String) });
      rotatedCrm = String(rotated.body.signing_secret);
      expect(rotatedCrm).not.toBe(firstSecrets.get('crm'));
      expect(Math.abs(Date.parse(String(rotated.body.previous_secret_expires_at)) - (Date.now() + OVERLAP_MS))).toBeLessThan(60_000);

      const after = await secretRows();
      expect(after.get('extra:crm')).toMatchObject({ signing_secret: rotatedCrm, previous_signing_secret: firstSecrets.get('crm') });
      expect(after.get('extra:crm')?.previous_secret_expires_at?.toISOString()).toBe(rotated.body.previous_secret_expires_at);
      expect(after.get('extra:analytics')).toEqual(before.get('extra:analytics'));
      expect(after.get('primary:primary')).toEqual(before.get('primary:primary'));

      // the router signs the rotated extra with both secrets, everyone else with their own only
      await bindingPropagated();
      const [toPrimary, toCrm, toAnalytics] = await deliverOne('after the rotation', [primary, crm, analytics]);
      expect(signatures(toCrm)).toHaveLength(2);
      expect(signatures(toCrm).every((signature) => signature.startsWith('v1,'))).toBe(true);
      expect(verifies(rotatedCrm, toCrm)).toBe(true);
      expect(verifies(firstSecrets.get('crm')!, toCrm)).toBe(true);
      // each signature verifies on its own, with exactly one of the two secrets
      const alone = (signature: string) => ({ ...toCrm.headers, 'webhook-signature': signature });
      const [first, second] = signatures(toCrm);
      const secretOf = (signature: string) =>
        [rotatedCrm, firstSecrets.get('crm')!].filter((secret) => verifies(secret, { ...toCrm, headers: alone(signature) }));
      expect([...secretOf(first), ...secretOf(second)].sort()).toEqual([rotatedCrm, firstSecrets.get('crm')!].sort());
      expect(signatures(toAnalytics)).toHaveLength(1);
      expect(verifies(firstSecrets.get('analytics')!, toAnalytics)).toBe(true);
      expect(signatures(toPrimary)).toHaveLength(1);
      expect(verifies(primarySecret, toPrimary)).toBe(true);
    });

    it('rotates by ?name= too, and a rotation of the primary leaves the extras alone', async () => {
      const byQuery = await multi(channel, 'POST', undefined, '/rotate-secret?name=analytics');
      expect(byQuery.status).toBe(200);
      expect(byQuery.body).toEqual({ name: 'analytics', signing_secret: expect.stringMatching(/^whsec_/), previous_secret_expires_at: expect.any(String) });
      const afterExtra = await secretRows();
      expect(afterExtra.get('extra:analytics')).toMatchObject({
        signing_secret: byQuery.body.signing_secret,
        previous_signing_secret: firstSecrets.get('analytics'),
      });
      expect(afterExtra.get('extra:crm')).toMatchObject({ signing_secret: rotatedCrm, previous_signing_secret: firstSecrets.get('crm') });

      const primaryRotated = await call('POST', `${gateway}/v1/configs/webhook/rotate-secret`, { headers: partnerKey(channel.apiKey) });
      expect(primaryRotated.status).toBe(200);
      const afterPrimary = await secretRows();
      expect(afterPrimary.get('primary:primary')).toMatchObject({
        signing_secret: primaryRotated.body.signing_secret,
        previous_signing_secret: primarySecret,
      });
      expect(afterPrimary.get('extra:crm')).toEqual(afterExtra.get('extra:crm'));
      expect(afterPrimary.get('extra:analytics')).toEqual(afterExtra.get('extra:analytics'));
    });

    it('a PATCH keeps both secrets; a destination re-created by POST starts with its own secret only', async () => {
      // PATCH keeps the destination's secret, so the partner's rotation carries on
      const patched = await multi(channel, 'PATCH', { url: `${crm.url}/crm-v2` }, '/crm');
      expect(patched.status).toBe(200);
      expect((await secretRows()).get('extra:crm')).toMatchObject({ signing_secret: rotatedCrm, previous_signing_secret: firstSecrets.get('crm') });

      // the same name set again by POST is a new destination: a fresh secret, no previous one
      const replaced = await multi(channel, 'POST', { enabled: true, destinations: [{ name: 'crm', url: `${crm.url}/crm-v3` }] });
      expect(replaced.status).toBe(200);
      const freshCrm = (replaced.body.destinations as DestinationView[]).find((d) => d.name === 'crm')!.signing_secret!;
      expect((await secretRows()).get('extra:crm')).toMatchObject({
        signing_secret: freshCrm,
        previous_signing_secret: null,
        previous_secret_expires_at: null,
      });

      await bindingPropagated();
      const [toCrm] = await deliverOne('after the re-creation', [crm]);
      expect(toCrm.path).toBe('/crm-v3');
      expect(signatures(toCrm)).toHaveLength(1);
      expect(verifies(freshCrm, toCrm)).toBe(true);
      expect(verifies(rotatedCrm, toCrm)).toBe(false);
      expect(verifies(firstSecrets.get('crm')!, toCrm)).toBe(false);
    });

    it('answers 404 for an extra the router disabled after a 410 Gone', async () => {
      crm.respondWith(410);
      await deliverOne('gone', [crm]);
      await waitFor(async () => (await secretRows()).get('extra:crm')?.disabled_at, { what: 'the router to disable the extra' });
      const before = await secretRows();
      const refused = await rotateExtra('crm');
      expect(refused.status).toBe(404);
      expect(refused.body).toEqual({ error: expect.stringContaining('410'), message: expect.stringContaining('410') });
      expect(await secretRows()).toEqual(before);
    });
  });
});
