// Privacy proof (the README's privacy promise): after a full run through every service — a channel onboarded, a
// partner bound, a template and a text message sent, an inbound message and priced statuses
// received and forwarded to two partner slots, metering counting them, and the partner's self-service
// used (a test send, a dead-lettered message recovered, its deliveries and stats read) — no table, no service log, no
// metrics page and no self-service answer holds the end-user phone numbers, the message texts or the
// keys that went through, and no table holds a partner's secret (signing secrets, app secret, custom
// header values) in clear.
import { createHash, randomBytes } from 'node:crypto';
import { createKafka } from '@wabridge/kafka';
import { createDataSource } from '@wabridge/persistence';
import {
  FIXTURE_IDS,
  metaFixture,
  metaFixtureFor,
  metaHeaders,
  PartnerServer,
  provisionChannel,
  TestStack,
  testInfra,
  uniqueDigits,
  waitFor,
  type ProvisionedChannel,
  type ServiceName,
} from '@wabridge/testing';
import type { DataSource } from 'typeorm';

const SERVICES: ServiceName[] = ['ingress', 'gateway', 'router', 'metering', 'wa-sim'];

/** Plain words and digits only: they look the same in JSON, logs and Postgres' text output. */
const marker = (label: string) => `${label} ${randomBytes(6).toString('hex')} ${randomBytes(6).toString('hex')}`;

describe('privacy: what wabridge keeps after a full run', () => {
  let stack: TestStack;
  let db: DataSource;
  let partner: PartnerServer;
  /** a second partner on the same number, in its own slot */
  let inboxPartner: PartnerServer;
  let inboxKey = '';
  let inboxSecret = '';
  let channel: ProvisionedChannel;
  /** set once the exchange went through; the scans mean nothing without it */
  let exchanged = false;

  // What an end user and a partner put through wabridge; none of it may be kept.
  const templateRecipient = `49151${uniqueDigits(8)}`;
  const textRecipient = `49160${uniqueDigits(8)}`;
  const inboundSender = `49170${uniqueDigits(8)}`;
  const templateName = marker('Customer');
  const templateOrder = marker('Order');
  const textBody = marker('Your parcel left our warehouse');
  const inboundBody = marker('Where is my parcel');
  const contactName = marker('Contact');
  let templateWamid = '';
  let textWamid = '';
  // The partner's secrets: stored sealed (docs/security.md), so never readable in a table.
  const headerToken = `tok${randomBytes(12).toString('hex')}`;
  const appSecret = `app${randomBytes(12).toString('hex')}`;
  let signingSecret = '';
  let rotatedSecret = '';

  beforeAll(async () => {
    // a time-scaled hour of retries (3.6 s), so one message of the run ends dead-lettered and is recovered;
    // no breaker, so the recovered attempt is dialled at once
    stack = await TestStack.start({ services: SERVICES, env: { router: { RETRY_WINDOW: '1h', ROUTER_BREAKER_FAILURES: '100000' } } });
    db = createDataSource({ url: testInfra().databaseUrl, poolSize: 2, applicationName: 'privacy-e2e' });
    await db.initialize();
    // The partner refuses its first request, so the router also keeps a retry row of this run.
    let answered = 0;
    partner = await PartnerServer.start(() => (answered++ === 0 ? 503 : 200));
    inboxPartner = await PartnerServer.start();
  }, 120_000);

  afterAll(async () => {
    await partner?.close();
    await inboxPartner?.close();
    await db?.destroy();
    await stack?.stop();
  });

  const send = async (body: unknown): Promise<string> => {
    const response = await fetch(`${stack.url('gateway')}/messages`, {
      method: 'POST',
      headers: { 'D360-API-KEY': channel.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as { messages?: { id: string }[] };
    if (response.status !== 200 || !answer.messages) throw new Error(`send answered ${response.status}: ${JSON.stringify(answer)}`);
    return answer.messages[0].id;
  };

  const postToIngress = async (body: Buffer): Promise<void> => {
    const response = await fetch(`${stack.url('ingress')}/webhooks/whatsapp`, {
      method: 'POST',
      headers: metaHeaders(body, stack.appSecret),
      body,
    });
    expect(response.status).toBe(200);
  };

  /** A status of one of our messages, as Meta would send it: to this channel, about this recipient, now. */
  const status = (fixture: 'status-sent-priced.json' | 'status-read-priced.json', wamid: string, recipient: string, pricing?: string) => {
    let text = metaFixtureFor(fixture, {
      [FIXTURE_IDS.phoneNumberId]: channel.phoneNumberId,
      [FIXTURE_IDS.wabaId]: channel.wabaId,
      [FIXTURE_IDS.displayPhoneNumber]: channel.displayPhoneNumber,
      [FIXTURE_IDS.templateWamid]: wamid,
      [FIXTURE_IDS.endUserPhone]: recipient,
      '1718000100': String(Math.floor(Date.now() / 1000)),
      '1718000160': String(Math.floor(Date.now() / 1000)),
    }).toString();
    if (pricing) text = text.replace(/"pricing":\{[^}]*\}/, `"pricing":${pricing}`);
    return Buffer.from(text);
  };

  it('runs a full exchange through every service', async () => {
    channel = await provisionChannel(stack.url('gateway'), stack.adminToken);
    const bound = await fetch(`${stack.url('gateway')}/v1/configs/webhook`, {
      method: 'POST',
      headers: { 'D360-API-KEY': channel.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${partner.url}/whatsapp`, headers: { 'X-Partner-Token': headerToken }, app_secret: appSecret }),
    });
    expect(bound.status).toBe(200);
    signingSecret = ((await bound.json()) as { signing_secret: string }).signing_secret;
    // a rotation leaves the bound secret as the previous one, next to the new one
    const rotated = await fetch(`${stack.url('gateway')}/v1/configs/webhook/rotate-secret`, {
      method: 'POST',
      headers: { 'D360-API-KEY': channel.apiKey },
    });
    expect(rotated.status).toBe(200);
    rotatedSecret = ((await rotated.json()) as { signing_secret: string }).signing_secret;
    expect(rotatedSecret).not.toBe(signingSecret);
    // a second partner slot, with its own key and its own binding
    const adminHeaders = { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' };
    const slots = await fetch(`${stack.url('gateway')}/admin/v1/channels/${channel.channelId}`, {
      method: 'PATCH',
      headers: adminHeaders,
      body: JSON.stringify({ partner_slots: 2 }),
    });
    expect(slots.status).toBe(200);
    const issued = await fetch(`${stack.url('gateway')}/admin/v1/channels/${channel.channelId}/api-keys`, {
      method: 'POST',
      headers: adminHeaders,
      body: JSON.stringify({ slot: 'inbox' }),
    });
    expect(issued.status).toBe(201);
    inboxKey = ((await issued.json()) as { api_key: string }).api_key;
    const inboxBound = await fetch(`${stack.url('gateway')}/v1/configs/webhook`, {
      method: 'POST',
      headers: { 'D360-API-KEY': inboxKey, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${inboxPartner.url}/inbox` }),
    });
    expect(inboxBound.status).toBe(200);
    inboxSecret = ((await inboxBound.json()) as { signing_secret: string }).signing_secret;

    const template = JSON.parse(metaFixture('send-template-request.json').toString()) as Record<string, unknown>;
    const templateBody = JSON.stringify({ ...template, to: `+${templateRecipient}` })
      .replace('"Kerry"', JSON.stringify(templateName))
      .replace('"#10023"', JSON.stringify(templateOrder));
    templateWamid = await send(JSON.parse(templateBody));
    textWamid = await send({ messaging_product: 'whatsapp', to: textRecipient, type: 'text', text: { body: textBody } });

    const inbound = metaFixtureFor('inbound-text.json', {
      [FIXTURE_IDS.phoneNumberId]: channel.phoneNumberId,
      [FIXTURE_IDS.wabaId]: channel.wabaId,
      [FIXTURE_IDS.displayPhoneNumber]: channel.displayPhoneNumber,
      [FIXTURE_IDS.inboundWamid]: `wamid.${randomBytes(16).toString('base64url')}`,
      [FIXTURE_IDS.endUserPhone]: inboundSender,
      [FIXTURE_IDS.inboundText]: inboundBody,
      'Kerry Fisher': contactName,
      '1718000000': String(Math.floor(Date.now() / 1000)),
    });
    const posted = [
      inbound,
      status('status-sent-priced.json', templateWamid, templateRecipient),
      status('status-read-priced.json', templateWamid, templateRecipient),
      status(
        'status-sent-priced.json',
        textWamid,
        textRecipient,
        '{"billable":false,"pricing_model":"PMP","type":"free_customer_service","category":"service"}',
      ),
    ];
    for (const body of posted) await postToIngress(body);

    // The partner got each of them (and the simulator's own sent/delivered/read for both sends)...
    await waitFor(() => posted.every((body) => partner.received.some((request) => request.body.equals(body))) && partner.received.length >= posted.length + 6, {
      timeoutMs: 30_000,
      what: 'the partner to receive every webhook',
    });
    // ...with the secrets it stored sealed opened again by the router
    const delivered = partner.received.find((request) => request.body.equals(inbound))!;
    expect(delivered.headers['x-partner-token']).toBe(headerToken);
    expect(delivered.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(delivered.headers['x-hub-signature-256']).toMatch(/^sha256=/);
    await waitFor(() => posted.every((body) => inboxPartner.received.some((request) => request.body.equals(body))), {
      timeoutMs: 30_000,
      what: 'the second slot to receive every webhook',
    });
    // ...the router finished with every event (a retried one among them)...
    await waitFor(
      async () => {
        const [{ count }] = await db.query<{ count: string }[]>(
          `SELECT count(*)::text AS count FROM deliveries WHERE channel_id = $1 AND state = 'delivered' AND attempts > 1`,
          [channel.channelId],
        );
        return Number(count) > 0;
      },
      { timeoutMs: 30_000, what: 'the router to record the retried delivery' },
    );
    const admin = createKafka({ brokers: testInfra().kafkaBrokers.split(','), clientId: 'privacy-e2e' }).admin();
    await admin.connect();
    try {
      await waitFor(
        async () => {
          const [ends, committed] = await Promise.all([
            admin.fetchTopicOffsets(stack.topics.webhooks),
            admin.fetchOffsets({ groupId: `${stack.prefix}wabridge-router`, topics: [stack.topics.webhooks] }),
          ]);
          const done = new Map(committed[0].partitions.map((p) => [p.partition, p.offset]));
          return ends.every(({ partition, high }) => high === '0' || done.get(partition) === high);
        },
        { timeoutMs: 30_000, what: 'the router to commit every webhook' },
      );
    } finally {
      await admin.disconnect();
    }
    // ...and metering counted the template send and both priced messages.
    const today = new Date().toISOString().slice(0, 10);
    await waitFor(
      async () => {
        const response = await fetch(`${stack.url('metering')}/admin/v1/usage?client_id=${channel.clientId}&from=${today}&to=${today}&group_by=channel`, {
          headers: { authorization: `Bearer ${stack.adminToken}` },
        });
        const report = (await response.json()) as { totals: { template_sends: number; priced_messages: number } };
        return report.totals.template_sends === 1 && report.totals.priced_messages === 2;
      },
      { timeoutMs: 30_000, what: 'metering to count 1 template send and 2 priced messages' },
    );
    exchanged = true;
  }, 90_000);

  /** Everything that went through and must not stay, with a name for the failure message. */
  const forbidden = (): [string, string][] => [
    ['template recipient phone number', templateRecipient],
    ['text recipient phone number', textRecipient],
    ['inbound sender phone number', inboundSender],
    ['template parameter (name)', templateName],
    ['template parameter (order)', templateOrder],
    ['outbound text', textBody],
    ['inbound text', inboundBody],
    ['contact profile name', contactName],
    ['API key', channel.apiKey],
    ['second slot API key', inboxKey],
    ['second slot signing secret', inboxSecret],
    ['admin token', stack.adminToken],
    ['custom header value', headerToken],
    ['partner app secret', appSecret],
    ['signing secret (previous)', signingSecret],
    ['signing secret (current)', rotatedSecret],
    // the base64 part alone, in case a secret is kept without its whsec_ prefix
    ['signing secret body (previous)', signingSecret.replace(/^whsec_/, '')],
    ['signing secret body (current)', rotatedSecret.replace(/^whsec_/, '')],
  ];

  const leaks = (haystack: string) => {
    const text = haystack.toLowerCase();
    return forbidden()
      .filter(([, value]) => text.includes(value.toLowerCase()))
      .map(([what]) => what);
  };

  /** What the self-service paths answered; scanned with everything else. */
  const selfServiceAnswers: string[] = [];

  it("uses the partner's self-service: a test send, a recover of a dead-lettered message, deliveries and stats", async () => {
    expect(exchanged).toBe(true);
    const partnerCall = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${stack.url('gateway')}${path}`, {
        method,
        headers: { 'D360-API-KEY': channel.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      selfServiceAnswers.push(text);
      return { status: response.status, body: JSON.parse(text) as Record<string, unknown> & { data?: { event_id: string; state: string }[] } };
    };
    const tested = await partnerCall('POST', '/v1/configs/webhook/test');
    expect(tested).toMatchObject({ status: 200, body: { status_code: 200, error_class: null } });

    // the partner is down for this one message (the same sender and text as before) until it is dead-lettered
    const since = new Date(Date.now() - 1000).toISOString();
    const wamid = `wamid.${randomBytes(16).toString('base64url')}`;
    partner.respondWith((request) => (request.body.toString('utf8').includes(wamid) ? 500 : 200));
    await postToIngress(
      metaFixtureFor('inbound-text.json', {
        [FIXTURE_IDS.phoneNumberId]: channel.phoneNumberId,
        [FIXTURE_IDS.wabaId]: channel.wabaId,
        [FIXTURE_IDS.displayPhoneNumber]: channel.displayPhoneNumber,
        [FIXTURE_IDS.inboundWamid]: wamid,
        [FIXTURE_IDS.endUserPhone]: inboundSender,
        [FIXTURE_IDS.inboundText]: inboundBody,
        'Kerry Fisher': contactName,
        '1718000000': String(Math.floor(Date.now() / 1000)),
      }),
    );
    const [dead] = await waitFor(
      async () => {
        const page = await partnerCall('GET', '/v1/deliveries?state=dead');
        return page.body.data?.length === 1 ? page.body.data : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'the message to be dead-lettered' },
    );
    partner.respondWith(200);
    const recoveredAt = Date.now();
    const recovered = await partnerCall('POST', '/v1/deliveries/recover', { since });
    expect(recovered).toMatchObject({ status: 202, body: { queued: 1 } });
    await partner.waitForRequests(1, 20_000, (request) => request.headers['webhook-id'] === dead.event_id && request.at >= recoveredAt);
    await waitFor(async () => (await partnerCall('GET', `/v1/deliveries?event_id=${dead.event_id}&state=delivered`)).body.data?.length === 1, {
      timeoutMs: 20_000,
      intervalMs: 250,
      what: 'the recovered delivery to be recorded',
    });
    await waitFor(
      async () => {
        const stats = await partnerCall('GET', '/v1/configs/webhook/stats');
        return (stats.body.destinations as { attempts: number }[])[0]?.attempts > 0;
      },
      { timeoutMs: 10_000, intervalMs: 250, what: 'the stats to count the attempts' },
    );
  }, 90_000);

  it('answers the self-service calls with metadata only', () => {
    expect(selfServiceAnswers.length).toBeGreaterThan(4);
    const found = selfServiceAnswers.map((answer) => leaks(answer)).filter((leaked) => leaked.length > 0);
    expect(found).toEqual([]);
    // they did describe this run's deliveries
    expect(selfServiceAnswers.join('\n')).toContain('"state":"delivered"');
  });

  it('keeps none of it in any table of the database', async () => {
    expect(exchanged).toBe(true);
    const tables = await db.query<{ table_name: string }[]>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining([
        'clients',
        'channels',
        'api_keys',
        'webhook_destinations',
        'deliveries',
        'template_send_counts',
        'priced_message_counts',
        'metering_dedupe',
        'delivery_stats',
        'recover_requests',
      ]),
    );
    const found: Record<string, string[]> = {};
    let everything = '';
    for (const { table_name: table } of tables) {
      const rows = await db.query<{ row: string }[]>(`SELECT t::text AS row FROM public."${table.replace(/"/g, '""')}" t`);
      const text = rows.map((r) => r.row).join('\n');
      everything += text;
      const leaked = leaks(text);
      if (leaked.length > 0) found[table] = leaked;
    }
    expect(found).toEqual({});
    // The scan did read this run's rows: the client, the channel, its key (as a SHA-256 only), its
    // binding and the dedupe keys of its metered messages.
    const keyHash = createHash('sha256').update(channel.apiKey).digest('hex');
    const inboxKeyHash = createHash('sha256').update(inboxKey).digest('hex');
    const kept = [
      channel.clientId,
      channel.channelId,
      channel.phoneNumberId,
      keyHash,
      inboxKeyHash,
      `${partner.url}/whatsapp`,
      `${inboxPartner.url}/inbox`,
      templateWamid,
      textWamid,
    ];
    for (const value of kept) expect(everything).toContain(value);
    // ...and the binding's secrets, sealed (docs/security.md): current, previous, app secret, header value
    const [binding] = await db.query<{ signing_secret: string; previous_signing_secret: string; app_secret: string; headers: Record<string, string> }[]>(
      `SELECT signing_secret, previous_signing_secret, app_secret, headers FROM webhook_destinations WHERE channel_id = $1 AND slot = '1'`,
      [channel.channelId],
    );
    const sealed = /^wbsec1\.[A-Za-z0-9_-]+\./;
    for (const value of [binding.signing_secret, binding.previous_signing_secret, binding.app_secret, binding.headers['X-Partner-Token']]) {
      expect(value).toMatch(sealed);
    }
    const { secrets } = testInfra();
    expect(secrets.open(binding.signing_secret)).toBe(rotatedSecret);
    expect(secrets.open(binding.previous_signing_secret)).toBe(signingSecret);
  });

  it('keeps none of it in any service log', () => {
    expect(exchanged).toBe(true);
    const found: Record<string, string[]> = {};
    for (const name of SERVICES) {
      const log = stack.service(name).logs();
      expect(log.length).toBeGreaterThan(0);
      const leaked = leaks(log);
      if (leaked.length > 0) found[name] = leaked;
    }
    expect(found).toEqual({});
    // The logs cover this run's traffic: the services logged about its messages and channel.
    const logs = stack.logs();
    expect(logs).toContain(channel.channelId);
  });

  it('exposes none of it on any service metrics page', async () => {
    expect(exchanged).toBe(true);
    const found: Record<string, string[]> = {};
    for (const name of SERVICES) {
      const response = await fetch(`${stack.url(name)}/metrics`);
      expect(response.status).toBe(200);
      const leaked = leaks(await response.text());
      if (leaked.length > 0) found[name] = leaked;
    }
    expect(found).toEqual({});
  });
});
