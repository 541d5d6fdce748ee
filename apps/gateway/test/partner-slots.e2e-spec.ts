// Partner slots on real Kafka and PostgreSQL, every service a real process: one number, two partners
// (a chatbot and an inbox), each with its own key, its own binding and its own deliveries.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FIXTURE_IDS, PartnerServer, provisionChannel, TestStack, testInfra, waitFor, type ReceivedRequest } from '@wabridge/testing';
import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { bearer, call, partnerKey } from './support/http';

/** A partner that is down the slow way: it accepts connections and never answers. */
class SilentPartner {
  readonly received: IncomingMessage[] = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<SilentPartner> {
    const holder: { instance?: SilentPartner } = {};
    const server = createServer((request) => holder.instance?.received.push(request));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.instance = new SilentPartner(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return holder.instance;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The router's attempt timeout here: what a slot would wait per event if it waited on another slot's silent partner. */
const ATTEMPT_TIMEOUT_MS = 5000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

interface Slot {
  slot: string;
  apiKey: string;
}

describe('gateway + router: partner slots', () => {
  let stack: TestStack;
  let gateway: string;
  let db: Client;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    stack = await TestStack.start({
      services: ['gateway', 'ingress', 'router', 'wa-sim'],
      env: {
        gateway: { PARTNER_SLOTS_MAX: '3' },
        // a time-scaled 3 h window (10.8 s): a silent partner is dead-lettered within seconds; no breaker, so
        // every event towards it waits out the whole attempt timeout
        router: { RETRY_WINDOW: '3h', DELIVERY_TIMEOUT_MS: String(ATTEMPT_TIMEOUT_MS), ROUTER_BREAKER_FAILURES: '100000' },
        'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' },
      },
    });
    gateway = stack.url('gateway');
    db = new Client({ connectionString: testInfra().databaseUrl });
    await db.connect();
  }, 120000);

  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
    await db?.end();
    await stack?.stop();
  });

  const admin = (method: string, path: string, body?: unknown) => call(method, `${gateway}${path}`, { headers: bearer(stack.adminToken), body });
  const asPartner = (apiKey: string, method: string, path: string, body?: unknown) => call(method, `${gateway}${path}`, { headers: partnerKey(apiKey), body });

  const partner = async () => {
    const server = await PartnerServer.start();
    closers.push(() => server.close());
    return server;
  };

  /** An inbound text message from an end user, through Meta's stand-in; resolves with its wamid. */
  const inbound = async (phoneNumberId: string, wabaId: string): Promise<string> => {
    const sent = await call('POST', `${stack.url('wa-sim')}/sim/inbound`, {
      body: { phone_number_id: phoneNumberId, from: FIXTURE_IDS.endUserPhone, text: 'hello from slots', waba_id: wabaId },
    });
    expect(sent.body.ingress_status).toBe(200);
    return sent.body.wamid as string;
  };

  const carrying = (wamid: string) => (request: ReceivedRequest) => request.body.toString('utf8').includes(wamid);

  const verifies = (secret: string, request: ReceivedRequest): boolean => {
    try {
      new Webhook(secret).verify(request.body.toString('utf8'), {
        'webhook-id': request.headers['webhook-id'],
        'webhook-timestamp': request.headers['webhook-timestamp'],
        'webhook-signature': request.headers['webhook-signature'],
      });
      return true;
    } catch {
      return false;
    }
  };

  /** A channel with two slots, `chatbot` and `inbox`, each with its own key (the provisioned slot `1` key is freed). */
  const twoSlotChannel = async () => {
    const channel = await provisionChannel(gateway, stack.adminToken);
    expect((await admin('PATCH', `/admin/v1/channels/${channel.channelId}`, { partner_slots: 2 })).body).toMatchObject({ partner_slots: 2 });
    const issue = async (slot: string): Promise<Slot> => {
      const issued = await admin('POST', `/admin/v1/channels/${channel.channelId}/api-keys`, { slot });
      expect(issued.status).toBe(201);
      expect(issued.body).toEqual({ id: expect.any(String), api_key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), slot });
      return { slot, apiKey: issued.body.api_key as string };
    };
    const chatbot = await issue('chatbot');
    // slots 1 and chatbot are in use: a third is refused, naming them
    const third = await admin('POST', `/admin/v1/channels/${channel.channelId}/api-keys`, { slot: 'inbox' });
    expect(third.status).toBe(409);
    expect(third.body.bound_slots).toEqual(['1', 'chatbot']);
    expect(third.body.error).toContain('"1", "chatbot"');
    const freed = await admin('DELETE', `/admin/v1/channels/${channel.channelId}/slots/1`);
    expect(freed.body).toEqual({ slot: '1', keys_revoked: 1, destinations_dropped: 0 });
    const inbox = await issue('inbox');
    return { channel, chatbot, inbox };
  };

  const bind = async (slot: Slot, url: string) => {
    const bound = await asPartner(slot.apiKey, 'POST', '/v1/configs/webhook', { url });
    expect(bound.status).toBe(200);
    return bound.body.signing_secret as string;
  };

  it("delivers every inbound message to each slot, signed with that slot's own secret; sends work from either key", async () => {
    const { channel, chatbot, inbox } = await twoSlotChannel();
    const [chatbotServer, inboxServer] = [await partner(), await partner()];
    const chatbotSecret = await bind(chatbot, `${chatbotServer.url}/bot`);
    const inboxSecret = await bind(inbox, `${inboxServer.url}/inbox`);
    expect(chatbotSecret).not.toBe(inboxSecret);
    // each key reads its own slot's binding
    expect((await asPartner(chatbot.apiKey, 'GET', '/v1/configs/webhook')).body).toEqual({ url: `${chatbotServer.url}/bot`, headers: {} });
    expect((await asPartner(inbox.apiKey, 'GET', '/v1/configs/webhook')).body).toEqual({ url: `${inboxServer.url}/inbox`, headers: {} });

    const wamids = [];
    for (let i = 0; i < 3; i += 1) wamids.push(await inbound(channel.phoneNumberId, channel.wabaId));
    for (const wamid of wamids) {
      const [toBot] = await chatbotServer.waitForRequests(1, 20000, carrying(wamid));
      const [toInbox] = await inboxServer.waitForRequests(1, 20000, carrying(wamid));
      expect(toBot.body.equals(toInbox.body)).toBe(true);
      expect(toBot.headers['webhook-id']).toBe(toInbox.headers['webhook-id']);
      expect(verifies(chatbotSecret, toBot)).toBe(true);
      expect(verifies(inboxSecret, toInbox)).toBe(true);
      // and neither could pass for the other
      expect(verifies(inboxSecret, toBot)).toBe(false);
      expect(verifies(chatbotSecret, toInbox)).toBe(false);
    }

    for (const slot of [chatbot, inbox]) {
      const sent = await asPartner(slot.apiKey, 'POST', '/messages', {
        messaging_product: 'whatsapp',
        to: FIXTURE_IDS.endUserPhone,
        type: 'text',
        text: { body: 'hi' },
      });
      expect(sent.status).toBe(200);
    }
  }, 90000);

  it('a new chatbot key revokes only the chatbot: its old key gets 401, the inbox key still sends and receives', async () => {
    const { channel, chatbot, inbox } = await twoSlotChannel();
    const [chatbotServer, inboxServer] = [await partner(), await partner()];
    await bind(chatbot, chatbotServer.url);
    await bind(inbox, inboxServer.url);

    const reissued = await admin('POST', `/admin/v1/channels/${channel.channelId}/api-keys`, { slot: 'chatbot' });
    expect(reissued.status).toBe(201);
    const newChatbot: Slot = { slot: 'chatbot', apiKey: reissued.body.api_key as string };
    await waitFor(async () => (await asPartner(chatbot.apiKey, 'GET', '/v1/configs/webhook')).status === 401, {
      timeoutMs: 2000,
      what: 'the old chatbot key to be refused',
    });
    expect((await asPartner(chatbot.apiKey, 'POST', '/messages', { messaging_product: 'whatsapp', to: '1', type: 'text', text: { body: 'x' } })).status).toBe(
      401,
    );
    // the chatbot slot's binding went with its key; the inbox slot kept its own
    expect((await asPartner(newChatbot.apiKey, 'GET', '/v1/configs/webhook')).body).toEqual({ url: '', headers: {} });
    expect((await asPartner(inbox.apiKey, 'GET', '/v1/configs/webhook')).body).toEqual({ url: inboxServer.url, headers: {} });
    const sent = await asPartner(inbox.apiKey, 'POST', '/messages', {
      messaging_product: 'whatsapp',
      to: FIXTURE_IDS.endUserPhone,
      type: 'text',
      text: { body: 'hi' },
    });
    expect(sent.status).toBe(200);

    const wamid = await inbound(channel.phoneNumberId, channel.wabaId);
    await inboxServer.waitForRequests(1, 20000, carrying(wamid));
    // the old chatbot gets no copy (give the router time it would have needed)
    await inboxServer.waitForRequests(1, 20000, carrying(await inbound(channel.phoneNumberId, channel.wabaId)));
    expect(chatbotServer.received.filter(carrying(wamid))).toHaveLength(0);

    // whoever holds the new chatbot key binds the slot again and receives from then on
    const nextBot = await partner();
    const secret = await bind(newChatbot, nextBot.url);
    const after = await inbound(channel.phoneNumberId, channel.wabaId);
    const [request] = await nextBot.waitForRequests(1, 20000, carrying(after));
    expect(verifies(secret, request)).toBe(true);
    expect(chatbotServer.received.filter(carrying(after))).toHaveLength(0);
  }, 90000);

  it('a silent inbox retries and dead-letters on its own while the chatbot keeps receiving promptly', async () => {
    const { channel, chatbot, inbox } = await twoSlotChannel();
    const chatbotServer = await partner();
    await bind(chatbot, chatbotServer.url);
    const inboxServer = await PartnerServer.start();
    closers.push(() => inboxServer.close());
    await bind(inbox, inboxServer.url);

    const latencyOf = async (): Promise<number> => {
      const started = Date.now();
      const wamid = await inbound(channel.phoneNumberId, channel.wabaId);
      const [request] = await chatbotServer.waitForRequests(1, 20000, carrying(wamid));
      return request.at - started;
    };
    const baseline: number[] = [];
    for (let i = 0; i < 3; i += 1) baseline.push(await latencyOf());

    // the inbox partner goes silent: every attempt towards it waits out the attempt timeout
    const silent = await SilentPartner.start();
    closers.push(() => silent.close());
    await bind(inbox, silent.url);
    const whileDown: number[] = [];
    const downWamids: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const started = Date.now();
      const wamid = await inbound(channel.phoneNumberId, channel.wabaId);
      downWamids.push(wamid);
      const [request] = await chatbotServer.waitForRequests(1, 20000, carrying(wamid));
      whileDown.push(request.at - started);
    }
    // the chatbot never waits on the inbox's timeouts (each would cost ATTEMPT_TIMEOUT_MS), and its typical
    // latency stays what it was (the margin absorbs a loaded test machine)
    expect(Math.max(...whileDown)).toBeLessThan(ATTEMPT_TIMEOUT_MS - 1000);
    expect(median(whileDown)).toBeLessThan(median(baseline) + 1000);
    // every message reached the chatbot exactly once
    for (const wamid of downWamids) expect(chatbotServer.received.filter(carrying(wamid))).toHaveLength(1);

    // the inbox slot's events are dead-lettered under its own destination key; the chatbot's were delivered
    const dead = await waitFor(
      async () => {
        const rows = await db.query<{ destination: string; state: string }>(
          `SELECT destination, state FROM deliveries WHERE channel_id = $1 AND state = 'dead'`,
          [channel.channelId],
        );
        return rows.rows.length >= downWamids.length ? rows.rows : undefined;
      },
      { timeoutMs: 40000, intervalMs: 250, what: 'the inbox slot events to be dead-lettered' },
    );
    expect(new Set(dead.map((row) => row.destination))).toEqual(new Set(['inbox\u203aprimary']));
    expect(silent.received.length).toBeGreaterThan(0);

    // the inbox partner sees its dead deliveries under its own names; the chatbot sees none of them
    const inboxDead = await asPartner(inbox.apiKey, 'GET', '/v1/deliveries?state=dead&limit=100');
    expect(inboxDead.body.data.length).toBeGreaterThanOrEqual(downWamids.length);
    expect(new Set((inboxDead.body.data as { destination: string }[]).map((row) => row.destination))).toEqual(new Set(['primary']));
    expect((await asPartner(chatbot.apiKey, 'GET', '/v1/deliveries?limit=100')).body.data).toEqual([]);
  }, 120000);

  it("a rebinding in one slot redirects that slot's retries only", async () => {
    const { channel, chatbot, inbox } = await twoSlotChannel();
    const chatbotServer = await partner();
    await bind(chatbot, chatbotServer.url);
    const failing = await partner();
    failing.respondWith(503);
    await bind(inbox, failing.url);

    const wamid = await inbound(channel.phoneNumberId, channel.wabaId);
    const [failed] = await failing.waitForRequests(1, 20000, carrying(wamid));
    const replacement = await partner();
    const secret = await bind(inbox, replacement.url);
    const [redelivered] = await replacement.waitForRequests(1, 20000, carrying(wamid));
    expect(redelivered.headers['webhook-id']).toBe(failed.headers['webhook-id']);
    expect(verifies(secret, redelivered)).toBe(true);
    // the chatbot got the event once, at its first attempt, and no retry of the inbox's
    await replacement.waitForRequests(1, 20000, carrying(await inbound(channel.phoneNumberId, channel.wabaId)));
    expect(chatbotServer.received.filter(carrying(wamid))).toHaveLength(1);
  }, 90000);

  it("each slot's self-service routes and /multi_webhook see only that slot", async () => {
    const { channel, chatbot, inbox } = await twoSlotChannel();
    const [chatbotServer, inboxServer, crm] = [await partner(), await partner(), await partner()];
    await bind(chatbot, chatbotServer.url);
    await bind(inbox, inboxServer.url);

    // extras are per slot: the inbox adds a CRM copy; the chatbot's /multi_webhook stays off and empty
    const multi = await asPartner(inbox.apiKey, 'POST', '/multi_webhook', { enabled: true, destinations: [{ name: 'crm', url: crm.url }] });
    expect(multi.status).toBe(200);
    expect((await asPartner(chatbot.apiKey, 'GET', '/multi_webhook')).body).toEqual({ enabled: false, destinations: [] });
    expect((await asPartner(inbox.apiKey, 'GET', '/multi_webhook')).body).toMatchObject({ enabled: true, destinations: [{ name: 'crm', url: crm.url }] });
    // the chatbot may use the same name in its own slot
    expect((await asPartner(chatbot.apiKey, 'POST', '/multi_webhook', { enabled: true, destinations: [{ name: 'crm', url: chatbotServer.url }] })).status).toBe(
      200,
    );
    expect((await asPartner(chatbot.apiKey, 'DELETE', '/multi_webhook')).status).toBe(200);
    expect((await asPartner(inbox.apiKey, 'GET', '/multi_webhook')).body).toMatchObject({ enabled: true, destinations: [{ name: 'crm' }] });

    crm.respondWith(500);
    const wamid = await inbound(channel.phoneNumberId, channel.wabaId);
    await crm.waitForRequests(2, 20000, carrying(wamid));
    await chatbotServer.waitForRequests(1, 20000, carrying(wamid));
    await inboxServer.waitForRequests(1, 20000, carrying(wamid));

    // deliveries: the inbox sees its crm retries by name; the chatbot sees nothing of them
    const inboxRows = await waitFor(
      async () => {
        const page = await asPartner(inbox.apiKey, 'GET', '/v1/deliveries?destination=crm');
        return page.body.data.length > 0 ? (page.body.data as { destination: string; event_id: string }[]) : undefined;
      },
      { timeoutMs: 10000, intervalMs: 200, what: "the inbox's crm deliveries" },
    );
    expect(inboxRows.every((row) => row.destination === 'crm')).toBe(true);
    expect((await asPartner(chatbot.apiKey, 'GET', '/v1/deliveries')).body.data).toEqual([]);
    expect((await asPartner(chatbot.apiKey, 'GET', `/v1/deliveries?event_id=${inboxRows[0].event_id}`)).body.data).toEqual([]);
    expect((await asPartner(chatbot.apiKey, 'GET', '/v1/deliveries?destination=crm')).body.data).toEqual([]);

    // stats: each slot's own destinations only
    const stats = async (apiKey: string) =>
      waitFor(
        async () => {
          const answer = await asPartner(apiKey, 'GET', '/v1/configs/webhook/stats');
          const destinations = answer.body.destinations as { destination: string; attempts: number }[];
          return destinations.length > 0 && destinations.every((entry) => entry.attempts > 0) ? destinations : undefined;
        },
        { timeoutMs: 15000, intervalMs: 250, what: 'stats with attempts' },
      );
    expect((await stats(chatbot.apiKey)).map((entry) => entry.destination)).toEqual(['primary']);
    expect((await stats(inbox.apiKey)).map((entry) => entry.destination).sort()).toEqual(['crm', 'primary']);

    // recover: the chatbot has no crm to recover into; the inbox does
    const since = new Date(Date.now() - 60_000).toISOString();
    expect((await asPartner(chatbot.apiKey, 'POST', '/v1/deliveries/recover', { since, destination: 'crm' })).status).toBe(404);
    expect((await asPartner(chatbot.apiKey, 'POST', '/v1/deliveries/recover', { since })).body).toMatchObject({ queued: 0 });

    // a test send goes to the caller's own slot
    const before = inboxServer.received.length;
    const tested = await asPartner(chatbot.apiKey, 'POST', '/v1/configs/webhook/test');
    expect(tested.body).toMatchObject({ status_code: 200, error_class: null });
    const [sample] = await chatbotServer.waitForRequests(1, 5000, (request) => request.headers['webhook-id'].startsWith('evt_test_'));
    expect(sample).toBeDefined();
    expect(inboxServer.received.slice(before).some((request) => request.headers['webhook-id'].startsWith('evt_test_'))).toBe(false);

    // a rotation of the chatbot's secret leaves the inbox's alone
    const inboxSecretBefore = await db.query<{ signing_secret: string }>(
      `SELECT signing_secret FROM webhook_destinations WHERE channel_id = $1 AND slot = 'inbox' AND kind = 'primary'`,
      [channel.channelId],
    );
    expect((await asPartner(chatbot.apiKey, 'POST', '/v1/configs/webhook/rotate-secret')).status).toBe(200);
    const inboxSecretAfter = await db.query<{ signing_secret: string }>(
      `SELECT signing_secret FROM webhook_destinations WHERE channel_id = $1 AND slot = 'inbox' AND kind = 'primary'`,
      [channel.channelId],
    );
    expect(inboxSecretAfter.rows).toEqual(inboxSecretBefore.rows);
  }, 120000);

  it('shows the operator each slot in use with its key date and webhook host, never a key or a URL', async () => {
    const { channel, chatbot, inbox } = await twoSlotChannel();
    const chatbotServer = await partner();
    await bind(chatbot, `${chatbotServer.url}/private/path?token=abc`);
    const view = await admin('GET', `/admin/v1/channels/${channel.channelId}`);
    expect(view.body).toMatchObject({ partner_slots: 2, bound: true, webhook_host: '127.0.0.1' });
    expect(view.body.slots).toEqual([
      { slot: 'chatbot', key_issued_at: expect.any(String), bound: true, webhook_host: '127.0.0.1', webhook_disabled_at: null, extra_destinations: 0 },
      { slot: 'inbox', key_issued_at: expect.any(String), bound: false, webhook_host: null, webhook_disabled_at: null, extra_destinations: 0 },
    ]);
    expect(view.text).not.toContain('private/path');
    expect(view.text).not.toContain(chatbot.apiKey);
    expect(view.text).not.toContain(inbox.apiKey);

    // the 360dialog partner-API form issues per slot too, in 360dialog's own answer shape
    const partnerForm = await admin('POST', `/api/v2/partners/p-1/channels/${channel.channelId}/api_keys`, { slot: 'inbox' });
    expect(partnerForm.status).toBe(201);
    expect(partnerForm.body).toEqual({
      api_keys: [{ address: gateway, api_key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), app_id: channel.channelId, id: expect.any(String) }],
    });
    await waitFor(async () => (await asPartner(inbox.apiKey, 'GET', '/v1/configs/webhook')).status === 401, {
      timeoutMs: 2000,
      what: 'the old inbox key to be refused',
    });
    expect((await asPartner(chatbot.apiKey, 'GET', '/v1/configs/webhook')).body.url).toBe(`${chatbotServer.url}/private/path?token=abc`);
  });

  describe('bad input', () => {
    it('refuses a numbered slot beyond partner_slots, a malformed slot, and partner_slots out of range', async () => {
      const channel = await provisionChannel(gateway, stack.adminToken);
      const keys = `/admin/v1/channels/${channel.channelId}/api-keys`;
      const beyond = await admin('POST', keys, { slot: '2' });
      expect(beyond.status).toBe(400);
      expect(beyond.body).toEqual({ error: 'slot "2" is beyond this channel\'s partner_slots (1)' });
      for (const slot of ['', 'a b', '../x', 'x'.repeat(33), 7]) {
        const bad = await admin('POST', keys, { slot });
        expect(bad.status).toBe(400);
        expect(bad.body.error).toMatch(/^slot /);
      }
      const partnerForm = await admin('POST', `/api/v2/partners/p-1/channels/${channel.channelId}/api_keys`, { slot: '9' });
      expect(partnerForm.status).toBe(400);
      for (const partnerSlots of [0, 4, 1.5, '2', null]) {
        const bad = await admin('PATCH', `/admin/v1/channels/${channel.channelId}`, { partner_slots: partnerSlots });
        expect(bad.status).toBe(400);
        expect(bad.body.error).toMatch(/^partner_slots /);
      }
      expect((await admin('PATCH', `/admin/v1/channels/00000000-0000-4000-8000-000000000000`, { partner_slots: 2 })).status).toBe(404);
      // nothing changed: the provisioned key still works
      expect((await asPartner(channel.apiKey, 'GET', '/v1/configs/webhook')).status).toBe(200);
    });

    it('answers 409 naming the bound slots when partner_slots is lowered below them, and 404 for a slot not in use', async () => {
      const { channel, chatbot } = await twoSlotChannel();
      await bind(chatbot, (await partner()).url);
      const lowered = await admin('PATCH', `/admin/v1/channels/${channel.channelId}`, { partner_slots: 1 });
      expect(lowered.status).toBe(409);
      expect(lowered.body.bound_slots).toEqual(['chatbot', 'inbox']);
      expect(lowered.body.error).toMatch(/^partner_slots cannot be 1: slots "chatbot", "inbox" are bound/);
      expect((await admin('DELETE', `/admin/v1/channels/${channel.channelId}/slots/crm`)).status).toBe(404);
      expect((await admin('DELETE', `/admin/v1/channels/${channel.channelId}/slots/a%20b`)).status).toBe(400);
      // freeing one slot allows one
      const freed = await admin('DELETE', `/admin/v1/channels/${channel.channelId}/slots/chatbot`);
      expect(freed.body).toEqual({ slot: 'chatbot', keys_revoked: 1, destinations_dropped: 1 });
      expect((await admin('PATCH', `/admin/v1/channels/${channel.channelId}`, { partner_slots: 1 })).status).toBe(200);
      await waitFor(async () => (await asPartner(chatbot.apiKey, 'GET', '/v1/configs/webhook')).status === 401, {
        timeoutMs: 2000,
        what: 'the freed slot key to be refused',
      });
    });
  });

  it('stores a slot as a bare label beside hashed keys and the URLs partners set, and nothing else about them', async () => {
    const { channel, chatbot, inbox } = await twoSlotChannel();
    const url = (await partner()).url;
    await bind(inbox, url);
    const columns = await db.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name IN ('api_keys', 'webhook_destinations', 'channels') ORDER BY table_name, column_name`,
    );
    const of = (table: string) => columns.rows.filter((row) => row.table_name === table).map((row) => row.column_name);
    expect(of('api_keys')).toEqual(['channel_id', 'created_at', 'id', 'key_hash', 'revoked_at', 'slot']);
    expect(of('channels')).toEqual(expect.arrayContaining(['partner_slots', 'multi_webhook_slots']));
    const keys = await db.query<{ slot: string; key_hash: string }>(
      `SELECT slot, key_hash FROM api_keys WHERE channel_id = $1 AND revoked_at IS NULL ORDER BY slot`,
      [channel.channelId],
    );
    const sha = (key: string) => createHash('sha256').update(key).digest('hex');
    expect(keys.rows).toEqual([
      { slot: 'chatbot', key_hash: sha(chatbot.apiKey) },
      { slot: 'inbox', key_hash: sha(inbox.apiKey) },
    ]);
    const everything = await db.query<{ row: string }>(
      `SELECT t::text AS row FROM api_keys t WHERE channel_id = $1
        UNION ALL SELECT d::text FROM webhook_destinations d WHERE channel_id = $1
        UNION ALL SELECT c::text FROM channels c WHERE id = $1`,
      [channel.channelId],
    );
    const text = everything.rows.map((row) => row.row).join('\n');
    for (const secret of [chatbot.apiKey, inbox.apiKey]) expect(text).not.toContain(secret);
    expect(text).toContain(url);
  });
});
