import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  FIXTURE_IDS,
  metaFixtureFor,
  PartnerServer,
  provisionChannel,
  TestStack,
  testInfra,
  TopicCollector,
  waitFor,
  type ProvisionedChannel,
  type ReceivedRequest,
  bindingPropagated,
} from '@wabridge/testing';
import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { call, partnerKey } from './support/http';

interface DeliveryView {
  event_id: string;
  destination: string;
  state: string;
  attempts: number;
  last_status_code: number | null;
  error_class: string | null;
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('gateway: partner self-service', () => {
  let stack: TestStack;
  let gateway: string;
  let db: Client;

  beforeAll(async () => {
    stack = await TestStack.start({
      services: ['gateway', 'ingress', 'router', 'wa-sim'],
      env: {
        gateway: { DELIVERY_TIMEOUT_MS: '1000', WEBHOOK_TEST_PER_MINUTE: '5', RECOVER_PER_HOUR: '3', RECOVER_MAX_WINDOW_HOURS: '2' },
        // a time-scaled hour (3.6 s) of retries, then the dead-letter topic; no breaker, so every event is dialled
        router: { RETRY_WINDOW: '1h', ROUTER_BREAKER_FAILURES: '100000' },
        'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' },
      },
    });
    gateway = stack.url('gateway');
    db = new Client({ connectionString: testInfra().databaseUrl });
    await db.connect();
  }, 120000);

  afterAll(async () => {
    await db?.end();
    await stack?.stop();
  });

  const asPartner = (channel: ProvisionedChannel, method: string, path: string, body?: unknown) =>
    call(method, `${gateway}${path}`, { headers: partnerKey(channel.apiKey), body });

  /** An inbound text message from an end user, through Meta's stand-in; resolves with its wamid. */
  const inbound = async (channel: ProvisionedChannel, text: string): Promise<string> => {
    const sent = await call('POST', `${stack.url('wa-sim')}/sim/inbound`, {
      body: { phone_number_id: channel.phoneNumberId, from: FIXTURE_IDS.endUserPhone, text, waba_id: channel.wabaId },
    });
    expect(sent.body.ingress_status).toBe(200);
    return sent.body.wamid as string;
  };

  /** A priced `read` status of one of the channel's sent messages; resolves with its wamid. */
  const status = async (channel: ProvisionedChannel): Promise<string> => {
    const wamid = `wamid.${randomBytes(12).toString('hex')}`;
    const body = metaFixtureFor('status-read-priced.json', {
      [FIXTURE_IDS.phoneNumberId]: channel.phoneNumberId,
      [FIXTURE_IDS.wabaId]: channel.wabaId,
      [FIXTURE_IDS.templateWamid]: wamid,
    });
    const sent = await call('POST', `${stack.url('wa-sim')}/sim/webhook`, { headers: { 'content-type': 'application/json' }, body });
    expect(sent.body.ingress_status).toBe(200);
    return wamid;
  };

  const carrying = (wamid: string) => (request: ReceivedRequest) => request.body.toString('utf8').includes(wamid);

  /** Waits until the channel lists `count` dead deliveries (through the partner API itself). */
  const deadDeliveries = (channel: ProvisionedChannel, count: number): Promise<DeliveryView[]> =>
    waitFor(
      async () => {
        const page = await asPartner(channel, 'GET', '/v1/deliveries?state=dead');
        return page.body.data.length === count ? (page.body.data as DeliveryView[]) : undefined;
      },
      { timeoutMs: 30000, intervalMs: 200, what: `${count} dead deliveries` },
    );

  describe('events filter', () => {
    it('a statuses-only extra destination receives statuses and no inbound messages while the primary receives both', async () => {
      const channel = await provisionChannel(gateway, stack.adminToken);
      const [primary, analytics] = await Promise.all([PartnerServer.start(), PartnerServer.start()]);
      try {
        expect((await asPartner(channel, 'POST', '/v1/configs/webhook', { url: `${primary.url}/all` })).status).toBe(200);
        const enabled = await asPartner(channel, 'POST', '/multi_webhook', {
          enabled: true,
          destinations: [{ name: 'analytics', url: `${analytics.url}/statuses`, events: ['messages.statuses'] }],
        });
        expect(enabled.status).toBe(200);
        expect(enabled.body.destinations).toEqual([expect.objectContaining({ name: 'analytics', events: ['messages.statuses'] })]);

        const message = await inbound(channel, 'for the primary only');
        const read = await status(channel);
        await primary.waitForRequests(1, 20000, carrying(message));
        await primary.waitForRequests(1, 20000, carrying(read));
        const [statusCopy] = await analytics.waitForRequests(1, 20000, carrying(read));
        expect(statusCopy.headers['webhook-id']).toMatch(/^evt_/);
        // the inbound message was routed before the status, so it would have arrived by now
        await settle(500);
        expect(analytics.received.filter(carrying(message))).toEqual([]);
        expect(analytics.received).toHaveLength(1);
      } finally {
        await Promise.all([primary.close(), analytics.close()]);
      }
    });

    it('refuses unknown values with the allowed ones, and a rebinding without events receives everything again', async () => {
      const channel = await provisionChannel(gateway, stack.adminToken);
      const partner = await PartnerServer.start();
      try {
        const refused = await asPartner(channel, 'POST', '/v1/configs/webhook', { url: `${partner.url}/x`, events: ['messages', 'inbox'] });
        expect(refused.status).toBe(400);
        expect(refused.body.error).toContain('"inbox"');
        expect(refused.body.error).toContain('allowed values: messages, message_template_status_update');
        const extraRefused = await asPartner(channel, 'POST', '/multi_webhook', {
          enabled: true,
          destinations: [{ name: 'a', url: `${partner.url}/a`, events: 'statuses' }],
        });
        expect(extraRefused.status).toBe(400);
        expect(extraRefused.body.error).toContain('allowed values');

        const filtered = await asPartner(channel, 'POST', '/v1/configs/webhook', { url: `${partner.url}/inbound`, events: ['messages.inbound'] });
        expect(filtered.status).toBe(200);
        expect(filtered.body).toMatchObject({ url: `${partner.url}/inbound`, events: ['messages.inbound'] });
        expect((await asPartner(channel, 'GET', '/v1/configs/webhook')).body).toMatchObject({ events: ['messages.inbound'] });
        await bindingPropagated();
        const skipped = await status(channel);
        const message = await inbound(channel, 'inbound only');
        await partner.waitForRequests(1, 20000, carrying(message));
        expect(partner.received.filter(carrying(skipped))).toEqual([]);

        const rebound = await asPartner(channel, 'POST', '/v1/configs/webhook', { url: `${partner.url}/all` });
        expect(rebound.status).toBe(200);
        expect(rebound.body.events).toBeUndefined();
        await bindingPropagated();
        const read = await status(channel);
        await partner.waitForRequests(1, 20000, carrying(read));
      } finally {
        await partner.close();
      }
    });
  });

  describe('test sends', () => {
    /** An HTTP endpoint that accepts requests and never answers. */
    const hangingServer = async (): Promise<{ url: string; requests: number; close(): Promise<void> }> => {
      const state = { requests: 0 };
      const server: Server = createServer(() => {
        state.requests += 1;
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        get requests() {
          return state.requests;
        },
        close: async () => {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    };

    it("sends one signed sample for the channel's own number to a 200 and to a 500, and nothing to Kafka", async () => {
      const webhooks = await TopicCollector.start(stack.topics.webhooks);
      const outcomes = await TopicCollector.start(stack.topics.deliveries);
      const channel = await provisionChannel(gateway, stack.adminToken);
      const partner = await PartnerServer.start();
      try {
        const bound = await asPartner(channel, 'POST', '/v1/configs/webhook', { url: `${partner.url}/hook`, headers: { 'X-Partner': 'p1' } });
        expect(bound.status).toBe(200);
        const ok = await asPartner(channel, 'POST', '/v1/configs/webhook/test');
        expect(ok.status).toBe(200);
        expect(ok.body).toEqual({ webhook_id: expect.stringMatching(/^evt_test_/), status_code: 200, latency_ms: expect.any(Number), error_class: null });
        expect(partner.received).toHaveLength(1);
        const [sample] = partner.received;
        expect(sample.headers['webhook-id']).toBe(ok.body.webhook_id);
        expect(sample.headers['x-partner']).toBe('p1');
        expect(() => new Webhook(bound.body.signing_secret).verify(sample.body.toString('utf8'), sample.headers)).not.toThrow();
        const envelope = JSON.parse(sample.body.toString('utf8'));
        expect(envelope.entry[0].changes[0].value.metadata.phone_number_id).toBe(channel.phoneNumberId);
        expect(envelope.entry[0].changes[0].value.messages).toHaveLength(1);

        partner.respondWith(500);
        const failing = await asPartner(channel, 'POST', '/v1/configs/webhook/test');
        expect(failing.status).toBe(200);
        expect(failing.body).toMatchObject({ status_code: 500, error_class: 'http_status' });
        expect(partner.received).toHaveLength(2);

        // a real event afterwards is the barrier: once its outcome is on Kafka, a test record would be too
        partner.respondWith(200);
        const wamid = await inbound(channel, 'after the tests');
        await partner.waitForRequests(1, 20000, carrying(wamid));
        await outcomes.waitForCount(1, (record) => record.key?.toString() === channel.phoneNumberId);
        const mentionsTest = (record: { headers: Record<string, string>; value: Buffer | null }) =>
          JSON.stringify(record.headers).includes('evt_test_') || (record.value?.toString('utf8') ?? '').includes('evt_test_');
        expect(webhooks.records.filter(mentionsTest)).toEqual([]);
        expect(outcomes.records.filter(mentionsTest)).toEqual([]);
        expect((await db.query(`SELECT 1 FROM deliveries WHERE event_id LIKE 'evt_test_%'`)).rows).toEqual([]);
      } finally {
        await Promise.all([partner.close(), webhooks.stop(), outcomes.stop()]);
      }
    });

    it('reports a timeout, and an unsafe address without dialling it', async () => {
      const channel = await provisionChannel(gateway, stack.adminToken);
      const hanging = await hangingServer();
      try {
        expect((await asPartner(channel, 'POST', '/multi_webhook', { enabled: true, destinations: [{ name: 'slow', url: `${hanging.url}/x` }] })).status).toBe(
          200,
        );
        const slow = await asPartner(channel, 'POST', '/multi_webhook/slow/test');
        expect(slow.status).toBe(200);
        expect(slow.body).toMatchObject({ status_code: null, error_class: 'timeout' });
        expect(slow.body.latency_ms).toBeGreaterThanOrEqual(900);
        expect(hanging.requests).toBe(1);

        // a binding stored under an earlier, looser policy: the dial-time check refuses it as it refuses deliveries
        await db.query(
          `INSERT INTO webhook_destinations (channel_id, kind, name, url, signing_secret) VALUES ($1, 'primary', 'primary', 'http://169.254.169.254/latest/meta-data', $2)`,
          [channel.channelId, testInfra().secrets.seal(`whsec_${randomBytes(24).toString('base64')}`)],
        );
        const unsafe = await asPartner(channel, 'POST', '/v1/configs/webhook/test');
        expect(unsafe.status).toBe(200);
        expect(unsafe.body).toMatchObject({ status_code: null, latency_ms: 0, error_class: 'unsafe_destination' });
      } finally {
        await hanging.close();
      }
    });

    it('answers 404 when nothing is bound and 429 beyond the per-key budget', async () => {
      const channel = await provisionChannel(gateway, stack.adminToken);
      const unbound = await asPartner(channel, 'POST', '/v1/configs/webhook/test');
      expect(unbound.status).toBe(404);
      expect(unbound.body).toEqual({ error: 'no webhook configured' });
      const noExtra = await asPartner(channel, 'POST', '/multi_webhook/crm/test');
      expect(noExtra.status).toBe(404);
      expect(noExtra.body).toMatchObject({ error: 'no destination named "crm"' });
      expect((await call('POST', `${gateway}/v1/configs/webhook/test`, { headers: partnerKey('x'.repeat(43)) })).status).toBe(401);

      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await asPartner(channel, 'POST', '/v1/configs/webhook/test')).status);
      expect(statuses).toEqual([404, 404, 404, 429]);
      const limited = await asPartner(channel, 'POST', '/v1/configs/webhook/test');
      expect(limited.status).toBe(429);
      expect(limited.body.error).toMatch(/^too many webhook tests: at most 5 per minute per key; retry in \d+ s$/);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // the budget is the key's: another channel's key is not affected
      const other = await provisionChannel(gateway, stack.adminToken);
      expect((await asPartner(other, 'POST', '/v1/configs/webhook/test')).status).toBe(404);
    });
  });

  describe('deliveries and stats', () => {
    it('lists the failed deliveries with filters and paging, and the stats match what the partner counted', async () => {
      const channel = await provisionChannel(gateway, stack.adminToken);
      const partner = await PartnerServer.start((request) => (request.body.toString('utf8').includes('please fail') ? 500 : 200));
      try {
        expect((await asPartner(channel, 'POST', '/v1/configs/webhook', { url: `${partner.url}/hook` })).status).toBe(200);
        const fine = [];
        for (let i = 0; i < 4; i += 1) fine.push(await inbound(channel, `fine ${i}`));
        const failing = [await inbound(channel, 'please fail 1'), await inbound(channel, 'please fail 2')];
        const failedIds = await Promise.all(failing.map(async (wamid) => (await partner.waitForRequests(1, 20000, carrying(wamid)))[0].headers['webhook-id']));
        for (const wamid of fine) await partner.waitForRequests(1, 20000, carrying(wamid));

        // both failing events run out of their (time-scaled) hour and are dead-lettered
        const dead = await waitFor(
          async () => {
            const page = await asPartner(channel, 'GET', '/v1/deliveries?state=dead');
            return page.body.data.length === 2 ? (page.body.data as DeliveryView[]) : undefined;
          },
          { timeoutMs: 30000, intervalMs: 200, what: 'two dead deliveries' },
        );
        expect(dead.map((row) => row.event_id).sort()).toEqual([...failedIds].sort());
        for (const row of dead) {
          expect(row).toMatchObject({ destination: 'primary', state: 'dead', error_class: expect.any(String) });
          expect(row.attempts).toBeGreaterThan(1);
          expect(Object.keys(row).sort()).toEqual(
            [
              'attempts',
              'destination',
              'error_class',
              'event_id',
              'last_status_code',
              'latency_ms',
              'next_attempt_at',
              'received_at',
              'state',
              'updated_at',
            ].sort(),
          );
        }

        // paging, filters and their errors
        const first = await asPartner(channel, 'GET', '/v1/deliveries?limit=1&destination=primary');
        expect(first.body.data).toHaveLength(1);
        const second = await asPartner(channel, 'GET', `/v1/deliveries?limit=1&destination=primary&cursor=${first.body.next_cursor}`);
        expect(second.body.data).toHaveLength(1);
        expect(second.body.next_cursor).toBeNull();
        expect(new Set([first.body.data[0].event_id, second.body.data[0].event_id])).toEqual(new Set(failedIds));
        expect((await asPartner(channel, 'GET', '/v1/deliveries?destination=crm')).body.data).toEqual([]);
        expect((await asPartner(channel, 'GET', `/v1/deliveries?event_id=${failedIds[0]}`)).body.data).toHaveLength(1);
        expect((await asPartner(channel, 'GET', `/v1/deliveries?since=${new Date(Date.now() + 60000).toISOString()}`)).body.data).toEqual([]);
        const badState = await asPartner(channel, 'GET', '/v1/deliveries?state=failed');
        expect(badState.status).toBe(400);
        expect(badState.body.error).toBe('state must be one of retry_scheduled, dead, disabled, delivered, replayed');
        const badDate = await asPartner(channel, 'GET', '/v1/deliveries?since=yesterday');
        expect(badDate.status).toBe(400);
        expect(badDate.body.error).toMatch(/^since must be an ISO 8601 date-time/);
        const reversed = await asPartner(channel, 'GET', '/v1/deliveries?since=2025-01-02T00:00:00Z&until=2025-01-01T00:00:00Z');
        expect(reversed.status).toBe(400);
        expect(reversed.body.error).toBe('until must be after since');
        expect((await asPartner(channel, 'GET', '/v1/deliveries?cursor=nonsense')).status).toBe(400);

        // every request the partner received is one attempt in the stats, and every 2xx one delivery
        const stats = await waitFor(
          async () => {
            const answer = await asPartner(channel, 'GET', '/v1/configs/webhook/stats');
            const body = answer.body as { since: string; until: string; destinations: { attempts: number; latency_ms: { p50: number; p99: number } }[] };
            return body.destinations[0]?.attempts === partner.received.length ? body : undefined;
          },
          { timeoutMs: 10000, intervalMs: 200, what: `stats counting ${partner.received.length} attempts` },
        );
        const answered2xx = partner.received.filter((request) => !request.body.toString('utf8').includes('please fail')).length;
        const [primary] = stats.destinations;
        expect(primary).toMatchObject({
          destination: 'primary',
          bound: true,
          attempts: partner.received.length,
          delivered: answered2xx,
          success_ratio: Math.round((answered2xx / partner.received.length) * 10000) / 10000,
          last_error_class: 'http_status',
          breaker_state: expect.stringMatching(/^(closed|open|half_open)$/),
        });
        expect(primary.latency_ms.p50).toBeGreaterThanOrEqual(0);
        expect(primary.latency_ms.p99).toBeGreaterThanOrEqual(primary.latency_ms.p50);
        expect(Date.parse(stats.until) - Date.parse(stats.since)).toBe(24 * 3600_000);
      } finally {
        await partner.close();
      }
    });
  });

  describe('recover', () => {
    it('a partner down for a (time-scaled) hour recovers exactly the failed window, with the original webhook-ids', async () => {
      const channel = await provisionChannel(gateway, stack.adminToken);
      let down = false;
      const partner = await PartnerServer.start(() => (down ? 503 : 200));
      try {
        expect((await asPartner(channel, 'POST', '/v1/configs/webhook', { url: `${partner.url}/hook` })).status).toBe(200);
        const start = new Date(Date.now() - 1000).toISOString();
        const before = await inbound(channel, 'before the outage');
        await partner.waitForRequests(1, 20000, carrying(before));
        down = true;
        const lost = [await inbound(channel, 'outage 1'), await inbound(channel, 'outage 2'), await inbound(channel, 'outage 3')];
        const lostIds = await Promise.all(lost.map(async (wamid) => (await partner.waitForRequests(1, 20000, carrying(wamid)))[0].headers['webhook-id']));
        const dead = await deadDeliveries(channel, 3);
        expect(dead.map((row) => row.event_id).sort()).toEqual([...lostIds].sort());
        down = false;
        const after = await inbound(channel, 'after the outage');
        await partner.waitForRequests(1, 20000, carrying(after));

        // the window spans the whole test: only what failed comes again
        const recovered = await asPartner(channel, 'POST', '/v1/deliveries/recover', { since: start });
        expect(recovered.status).toBe(202);
        expect(recovered.body).toEqual({ queued: 3, since: start, until: expect.any(String), destination: null });
        for (const [index, wamid] of lost.entries()) {
          const requests = await partner.waitForRequests(
            1,
            20000,
            (request) => carrying(wamid)(request) && request.headers['webhook-id'] === lostIds[index] && request.at > Date.parse(recovered.body.until),
          );
          expect(requests).toHaveLength(1);
        }
        await settle(500);
        expect(partner.received.filter(carrying(before))).toHaveLength(1);
        expect(partner.received.filter(carrying(after))).toHaveLength(1);
        const delivered = await waitFor(
          async () => {
            const page = await asPartner(channel, 'GET', `/v1/deliveries?event_id=${lostIds[0]}`);
            return page.body.data[0]?.state === 'delivered' ? (page.body.data[0] as DeliveryView) : undefined;
          },
          { timeoutMs: 10000, intervalMs: 200, what: 'the recovered delivery recorded' },
        );
        expect(delivered.attempts).toBeGreaterThan(dead.find((row) => row.event_id === lostIds[0])!.attempts);

        // recovered events are no longer failed: a second recover finds nothing
        expect((await asPartner(channel, 'POST', '/v1/deliveries/recover', { since: start })).body.queued).toBe(0);
      } finally {
        await partner.close();
      }
    });

    it('after a rebinding, recovered events go to the new partner only', async () => {
      const channel = await provisionChannel(gateway, stack.adminToken);
      const [oldPartner, newPartner] = await Promise.all([PartnerServer.start(() => 500), PartnerServer.start()]);
      try {
        expect((await asPartner(channel, 'POST', '/v1/configs/webhook', { url: `${oldPartner.url}/old` })).status).toBe(200);
        const start = new Date(Date.now() - 1000).toISOString();
        const lost = [await inbound(channel, 'to the old partner 1'), await inbound(channel, 'to the old partner 2')];
        const dead = await deadDeliveries(channel, 2);
        const oldCount = oldPartner.received.length;

        expect((await asPartner(channel, 'POST', '/v1/configs/webhook', { url: `${newPartner.url}/new` })).status).toBe(200);
        const recovered = await asPartner(channel, 'POST', '/v1/deliveries/recover', { since: start, destination: 'primary' });
        expect(recovered.status).toBe(202);
        expect(recovered.body.queued).toBe(2);
        for (const wamid of lost) await newPartner.waitForRequests(1, 20000, carrying(wamid));
        expect(newPartner.received.map((request) => request.headers['webhook-id']).sort()).toEqual(dead.map((row) => row.event_id).sort());
        await settle(500);
        expect(oldPartner.received).toHaveLength(oldCount);
      } finally {
        await Promise.all([oldPartner.close(), newPartner.close()]);
      }
    });

    it('says what is wrong with bad dates, reversed and over-long windows, and limits recovers per key and hour', async () => {
      const channel = await provisionChannel(gateway, stack.adminToken);
      const recover = (body: unknown) => asPartner(channel, 'POST', '/v1/deliveries/recover', body);
      const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();
      expect((await recover({ since: hoursAgo(1) })).body).toEqual({ error: 'no webhook configured' });
      const partner = await PartnerServer.start();
      try {
        expect((await asPartner(channel, 'POST', '/v1/configs/webhook', { url: `${partner.url}/hook` })).status).toBe(200);
        const refusals: [unknown, number, string | RegExp][] = [
          [{}, 400, 'since is required'],
          [{ since: 'last tuesday' }, 400, /^since must be an ISO 8601 date-time/],
          [{ since: hoursAgo(1), until: hoursAgo(2) }, 400, 'until must be after since'],
          [{ since: new Date(Date.now() + 3_600_000).toISOString() }, 400, 'since must not be in the future'],
          [{ since: hoursAgo(3) }, 400, /^the window from since to until must be at most 2 h \(it is 3(\.\d+)? h\)$/],
          [{ since: hoursAgo(1), destination: 'crm' }, 404, 'no destination named "crm" is bound'],
        ];
        for (const [body, status, message] of refusals) {
          const answer = await recover(body);
          expect({ body, status: answer.status }).toEqual({ body, status });
          expect(answer.body.error).toMatch(message);
        }
        // refusals do not use up the budget of 3
        for (let i = 0; i < 3; i += 1) expect((await recover({ since: hoursAgo(1) })).status).toBe(202);
        const limited = await recover({ since: hoursAgo(1) });
        expect(limited.status).toBe(429);
        expect(limited.body.error).toMatch(/^too many recovers: at most 3 per key per hour; the next one is possible in \d+ s$/);
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(3500);
      } finally {
        await partner.close();
      }
    });
  });

  describe('isolation', () => {
    it("a key sees and recovers only its own channel's deliveries; another channel's event ids change nothing and reveal nothing", async () => {
      const [mine, theirs] = await Promise.all([provisionChannel(gateway, stack.adminToken), provisionChannel(gateway, stack.adminToken)]);
      let mineDown = true;
      const [myPartner, theirPartner] = await Promise.all([PartnerServer.start(() => (mineDown ? 500 : 200)), PartnerServer.start(() => 500)]);
      try {
        expect((await asPartner(mine, 'POST', '/v1/configs/webhook', { url: `${myPartner.url}/mine` })).status).toBe(200);
        expect((await asPartner(theirs, 'POST', '/v1/configs/webhook', { url: `${theirPartner.url}/theirs` })).status).toBe(200);
        const start = new Date(Date.now() - 1000).toISOString();
        await inbound(mine, 'mine');
        await inbound(theirs, 'theirs 1');
        await inbound(theirs, 'theirs 2');
        const [myDead] = await deadDeliveries(mine, 1);
        const theirDead = await deadDeliveries(theirs, 2);
        const theirIds = theirDead.map((row) => row.event_id);
        mineDown = false;

        // their event ids as filters: the same empty answer as an id that never existed
        for (const id of [...theirIds, 'evt_neverexisted']) {
          const page = await asPartner(mine, 'GET', `/v1/deliveries?event_id=${id}`);
          expect({ status: page.status, body: page.body }).toEqual({ status: 200, body: { data: [], next_cursor: null } });
        }
        const all = await asPartner(mine, 'GET', '/v1/deliveries?limit=200');
        expect((all.body.data as DeliveryView[]).map((row) => row.event_id)).toEqual([myDead.event_id]);
        const stats = await asPartner(mine, 'GET', '/v1/configs/webhook/stats');
        expect((stats.body.destinations as { destination: string }[]).map((row) => row.destination)).toEqual(['primary']);
        expect(JSON.stringify(stats.body)).not.toContain(theirPartner.url);

        // their ids and channel in the body widen nothing: only my failed event is queued, only to me
        const theirCount = theirPartner.received.length;
        const recovered = await asPartner(mine, 'POST', '/v1/deliveries/recover', {
          since: start,
          event_ids: theirIds,
          channel_id: theirs.channelId,
          phone_number_id: theirs.phoneNumberId,
        });
        expect(recovered.status).toBe(202);
        expect(recovered.body.queued).toBe(1);
        const [again] = await myPartner.waitForRequests(
          1,
          20000,
          (request) =>
            request.headers['webhook-id'] === myDead.event_id &&
            request.body.toString('utf8').includes('mine') &&
            request.at > Date.parse(recovered.body.until),
        );
        expect(again.body.toString('utf8')).toContain(mine.phoneNumberId);
        await settle(500);
        expect(myPartner.received.filter((request) => theirIds.includes(request.headers['webhook-id']))).toEqual([]);
        expect(theirPartner.received).toHaveLength(theirCount);
        // their events are still theirs to recover
        expect((await deadDeliveries(theirs, 2)).map((row) => row.event_id).sort()).toEqual([...theirIds].sort());
      } finally {
        await Promise.all([myPartner.close(), theirPartner.close()]);
      }
    });
  });
});
