// The whole path, every service a real process on a real Kafka broker and PostgreSQL: Meta → ingress →
// Kafka → router → the partner the client bound last; gateway sends → metering.
import { createDataSource, DeliveryEntity } from '@wabridge/persistence';
import {
  FIXTURE_IDS,
  metaFixtureFor,
  metaHeaders,
  PartnerServer,
  provisionChannel,
  TestStack,
  testInfra,
  TopicCollector,
  uniqueDigits,
  waitFor,
  type ProvisionedChannel,
  type ReceivedRequest,
} from '@wabridge/testing';
import { signMetaPayload } from '@wabridge/webhook-security';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { DataSource } from 'typeorm';

describe('wabridge end to end', () => {
  let stack: TestStack;
  let db: DataSource;
  const partners: PartnerServer[] = [];
  const keys: string[] = [];

  const partner = async () => {
    const server = await PartnerServer.start();
    partners.push(server);
    return server;
  };

  const channel = async (): Promise<ProvisionedChannel> => {
    const provisioned = await provisionChannel(stack.url('gateway'), stack.adminToken);
    keys.push(provisioned.apiKey);
    return provisioned;
  };

  const bind = async (apiKey: string, url: string, headers?: Record<string, string>) => {
    const response = await fetch(`${stack.url('gateway')}/v1/configs/webhook`, {
      method: 'POST',
      headers: { 'D360-API-KEY': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ url, ...(headers ? { headers } : {}) }),
    });
    return { status: response.status, body: (await response.json()) as { url: string; headers: Record<string, string>; signing_secret: string } };
  };

  /** A fresh inbound message for the channel, as Meta would sign and send it. */
  const inbound = (target: ProvisionedChannel) =>
    metaFixtureFor('inbound-text.json', {
      [FIXTURE_IDS.phoneNumberId]: target.phoneNumberId,
      [FIXTURE_IDS.wabaId]: target.wabaId,
      [FIXTURE_IDS.inboundWamid]: `wamid.${randomBytes(12).toString('base64url')}`,
    });

  const postToIngress = (body: Buffer, secret = stack.appSecret) =>
    fetch(`${stack.url('ingress')}/webhooks/whatsapp`, { method: 'POST', headers: metaHeaders(body, secret), body });

  beforeAll(async () => {
    stack = await TestStack.start({
      services: ['ingress', 'gateway', 'router', 'metering', 'wa-sim'],
      env: {
        'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' },
        router: { RETRY_SCHEDULE: '1s,2s,2s', RETRY_TIME_SCALE: '1', RETRY_WINDOW: '10m' },
      },
    });
    db = createDataSource({ url: testInfra().databaseUrl, poolSize: 2 });
    await db.initialize();
  }, 120000);

  afterAll(async () => {
    await Promise.all(partners.map((server) => server.close()));
    await db?.destroy();
    await stack?.stop();
  });

  it('forwards a signed Meta webhook to the bound partner byte for byte, with its headers and a Standard Webhooks signature', async () => {
    const target = await channel();
    const receiver = await partner();
    const bound = await bind(target.apiKey, `${receiver.url}/hooks/whatsapp`, { 'x-typebot-webhook-secret': 'tb-secret' });
    expect(bound.status).toBe(200);
    expect(bound.body).toMatchObject({ url: `${receiver.url}/hooks/whatsapp`, headers: { 'x-typebot-webhook-secret': 'tb-secret' } });
    expect(bound.body.signing_secret).toMatch(/^whsec_/);

    const body = inbound(target);
    expect((await postToIngress(body)).status).toBe(200);

    const [request] = await receiver.waitForRequests(1);
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hooks/whatsapp');
    expect(request.body.equals(body)).toBe(true);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-typebot-webhook-secret']).toBe('tb-secret');
    expect(request.headers['webhook-id']).toMatch(/^evt_/);
    const verified = new Webhook(bound.body.signing_secret).verify(request.body.toString(), {
      'webhook-id': request.headers['webhook-id'],
      'webhook-timestamp': request.headers['webhook-timestamp'],
      'webhook-signature': request.headers['webhook-signature'],
    });
    expect(verified).toEqual(JSON.parse(body.toString()));
  });

  it('lets the last partner that bound with the key win: the first receives nothing more', async () => {
    const target = await channel();
    const [first, second] = [await partner(), await partner()];
    expect((await bind(target.apiKey, first.url)).status).toBe(200);
    const before = inbound(target);
    expect((await postToIngress(before)).status).toBe(200);
    await first.waitForRequests(1);

    expect((await bind(target.apiKey, second.url)).status).toBe(200);
    const after = [inbound(target), inbound(target), inbound(target)];
    for (const body of after) expect((await postToIngress(body)).status).toBe(200);
    const received = await second.waitForRequests(3);
    expect(received.map((r) => r.body.toString()).sort()).toEqual(after.map((b) => b.toString()).sort());
    expect(first.received).toHaveLength(1);
    expect(first.received[0].body.equals(before)).toBe(true);
  });

  it('revokes the old key and drops the binding when a new key is issued', async () => {
    const target = await channel();
    const receiver = await partner();
    expect((await bind(target.apiKey, receiver.url)).status).toBe(200);

    const issued = await fetch(`${stack.url('gateway')}/admin/v1/channels/${target.channelId}/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    expect(issued.status).toBe(201);
    const { api_key: newKey } = (await issued.json()) as { api_key: string };
    keys.push(newKey);

    await waitFor(async () => (await fetch(`${stack.url('gateway')}/v1/configs/webhook`, { headers: { 'D360-API-KEY': target.apiKey } })).status === 401, {
      timeoutMs: 2000,
      what: 'the old key to be refused',
    });
    const oldKey = await fetch(`${stack.url('gateway')}/v1/configs/webhook`, { headers: { 'D360-API-KEY': target.apiKey } });
    expect(await oldKey.json()).toEqual({ error: 'Invalid or missing D360-API-KEY' });
    const current = await fetch(`${stack.url('gateway')}/v1/configs/webhook`, { headers: { 'D360-API-KEY': newKey } });
    // the re-issue dropped the binding: nothing bound answers 200 with an empty url
    expect(await current.json()).toEqual({ url: '', headers: {} });

    // an event arriving now is kept for the channel, not sent to the dropped partner
    const body = inbound(target);
    expect((await postToIngress(body)).status).toBe(200);
    const pending = await waitFor(() => db.getRepository(DeliveryEntity).findOneBy({ channelId: target.channelId, state: 'retry_scheduled' }), {
      what: 'the unbound event to be kept',
    });
    expect(pending.lastError).toBe('no_binding');
    expect(receiver.received).toHaveLength(0);

    // and it reaches the partner that binds with the new key
    const next = await partner();
    expect((await bind(newKey, next.url)).status).toBe(200);
    const [late] = await next.waitForRequests(1, 20000);
    expect(late.body.equals(body)).toBe(true);
  });

  it('keeps events for an unknown phone_number_id visible to the operator instead of dropping them', async () => {
    const unknown = uniqueDigits(15);
    const body = metaFixtureFor('inbound-text.json', { [FIXTURE_IDS.phoneNumberId]: unknown });
    expect((await postToIngress(body)).status).toBe(200);
    const kept = await waitFor(() => db.getRepository(DeliveryEntity).findOneBy({ phoneNumberId: unknown }), {
      what: 'the unknown-number event to be kept',
    });
    expect(kept).toMatchObject({ state: 'retry_scheduled', lastError: 'unknown_number', channelId: null });
  });

  it('rejects a wrong signature with 401 and delivers nothing', async () => {
    const target = await channel();
    const receiver = await partner();
    expect((await bind(target.apiKey, receiver.url)).status).toBe(200);
    const forged = inbound(target);
    const response = await fetch(`${stack.url('ingress')}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaPayload(forged, 'forged') },
      body: forged,
    });
    expect(response.status).toBe(401);
    const genuine = inbound(target);
    expect((await postToIngress(genuine)).status).toBe(200);
    await receiver.waitForRequests(1);
    expect(receiver.received.map((r) => r.body.toString())).toEqual([genuine.toString()]);
  });

  it('redelivers to a partner that was down, later, with the same webhook-id', async () => {
    const target = await channel();
    const receiver = await partner();
    receiver.respondWith(503);
    expect((await bind(target.apiKey, receiver.url)).status).toBe(200);
    const body = inbound(target);
    expect((await postToIngress(body)).status).toBe(200);
    const [failed] = await receiver.waitForRequests(1);
    receiver.respondWith(200);
    const attempts = await receiver.waitForRequests(2, 30000);
    const ids = new Set(attempts.map((r: ReceivedRequest) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    expect(attempts[1].body.equals(body)).toBe(true);
    expect(attempts[1].headers['webhook-id']).toBe(failed.headers['webhook-id']);
    const row = await waitFor(() => db.getRepository(DeliveryEntity).findOneBy({ eventId: failed.headers['webhook-id'], state: 'delivered' }), {
      what: 'the delivery to be recorded as delivered',
    });
    expect(row.attempts).toBeGreaterThanOrEqual(2);
  });

  it('meters one template send and one priced message for a send and its priced sent + read statuses', async () => {
    const target = await channel();
    const outbound = await TopicCollector.start(stack.topics.outbound);
    try {
      const send = await fetch(`${stack.url('gateway')}/messages`, {
        method: 'POST',
        headers: { 'D360-API-KEY': target.apiKey, 'content-type': 'application/json' },
        body: metaFixtureFor('send-template-request.json', {}),
      });
      expect(send.status).toBe(200);
      const { messages } = (await send.json()) as { messages: { id: string }[] };
      const wamid = messages[0].id;
      await outbound.waitForCount(1, (r) => r.value?.toString().includes(wamid) ?? false);

      for (const fixture of ['status-sent-priced.json', 'status-read-priced.json', 'status-sent-priced.json'] as const) {
        const body = metaFixtureFor(fixture, {
          [FIXTURE_IDS.phoneNumberId]: target.phoneNumberId,
          [FIXTURE_IDS.templateWamid]: wamid,
          '1718000100': String(Math.floor(Date.now() / 1000)),
        });
        expect((await postToIngress(body)).status).toBe(200);
      }

      const today = new Date().toISOString().slice(0, 10);
      const usage = await waitFor(
        async () => {
          const response = await fetch(`${stack.url('metering')}/admin/v1/usage?client_id=${target.clientId}&from=${today}&to=${today}&group_by=template`, {
            headers: { authorization: `Bearer ${stack.adminToken}` },
          });
          const report = (await response.json()) as { totals: { template_sends: number; priced_messages: number } };
          return report.totals.template_sends === 1 && report.totals.priced_messages === 1 ? report : undefined;
        },
        { timeoutMs: 20000, what: 'usage to show 1 template send and 1 priced message' },
      );
      expect(usage).toMatchObject({
        client_id: target.clientId,
        group_by: 'template',
        rows: [{ template: 'order_shipped', language: 'en_US', template_sends: 1, priced_messages: 0 }],
        totals: { template_sends: 1, priced_messages: 1 },
      });
    } finally {
      await outbound.stop();
    }
  });

  it('never writes end-user phone numbers, message text or API keys to any service log', () => {
    const logs = stack.logs();
    expect(logs.length).toBeGreaterThan(1000);
    const forbidden = [FIXTURE_IDS.endUserPhone, FIXTURE_IDS.inboundText, 'Kerry', ...keys];
    for (const value of forbidden) expect(logs).not.toContain(value);
  });
});
