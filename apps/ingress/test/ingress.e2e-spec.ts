import { WebhookHeaders } from '@wabridge/contracts';
import { freePort, startKafka, type KafkaBroker } from '@wabridge/local-infra';
import { FIXTURE_IDS, metaFixtureFor, metaHeaders, ServiceProcess, TestStack, testLogDir, TopicCollector, uniqueDigits, waitFor } from '@wabridge/testing';
import { signMetaPayload } from '@wabridge/webhook-security';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

const uniqueNumber = () => uniqueDigits(15);

describe('ingress (real Kafka)', () => {
  let stack: TestStack;
  let webhooks: TopicCollector;
  let quarantine: TopicCollector;
  let url: string;

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['ingress'] });
    url = `${stack.url('ingress')}/webhooks/whatsapp`;
    [webhooks, quarantine] = await Promise.all([TopicCollector.start(stack.topics.webhooks), TopicCollector.start(stack.topics.quarantine)]);
  });

  afterAll(async () => {
    await Promise.all([webhooks?.stop(), quarantine?.stop()]);
    await stack?.stop();
  });

  const post = (body: Buffer | string, headers: Record<string, string>) => fetch(url, { method: 'POST', headers, body });

  describe('subscription handshake', () => {
    it('echoes the challenge for the right verify token', async () => {
      const response = await fetch(`${url}?hub.mode=subscribe&hub.verify_token=${stack.verifyToken}&hub.challenge=1158201444`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('1158201444');
    });

    it.each([
      ['a wrong token', 'hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1'],
      ['a wrong mode', 'hub.mode=unsubscribe&hub.verify_token=TOKEN&hub.challenge=1'],
      ['no challenge', 'hub.mode=subscribe&hub.verify_token=TOKEN'],
      ['no parameters', ''],
    ])('answers 403 for %s', async (_, query) => {
      const response = await fetch(`${url}?${query.replace('TOKEN', stack.verifyToken)}`);
      expect(response.status).toBe(403);
    });
  });

  it('publishes a signed single-change webhook byte for byte, keyed by phone_number_id, with the contract headers', async () => {
    const phoneNumberId = uniqueNumber();
    const body = metaFixtureFor('inbound-text.json', { [FIXTURE_IDS.phoneNumberId]: phoneNumberId });
    const response = await post(body, { ...metaHeaders(body, stack.appSecret), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    expect(response.status).toBe(200);

    const [record] = await webhooks.waitForCount(1, (r) => r.key === phoneNumberId);
    expect(record.value?.equals(body)).toBe(true);
    expect(record.headers).toMatchObject({
      [WebhookHeaders.phoneNumberId]: phoneNumberId,
      [WebhookHeaders.wabaId]: FIXTURE_IDS.wabaId,
      [WebhookHeaders.field]: 'messages',
      [WebhookHeaders.contentType]: 'application/json',
      [WebhookHeaders.traceparent]: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(record.headers[WebhookHeaders.eventId]).toMatch(/^evt_/);
    expect(new Date(record.headers[WebhookHeaders.receivedAt]).toISOString()).toBe(record.headers[WebhookHeaders.receivedAt]);
  });

  it('accepts a signature made with any of the rotated app secrets', async () => {
    const oldSecret = `old-${randomBytes(16).toString('hex')}`;
    const other = await TestStack.start({
      services: ['ingress'],
      env: { ingress: { META_APP_SECRETS: `${oldSecret},${stack.appSecret}` } },
    });
    try {
      const body = metaFixtureFor('inbound-text.json', { [FIXTURE_IDS.phoneNumberId]: uniqueNumber() });
      for (const secret of [oldSecret, stack.appSecret]) {
        const response = await fetch(`${other.url('ingress')}/webhooks/whatsapp`, {
          method: 'POST',
          headers: metaHeaders(body, secret),
          body,
        });
        expect(response.status).toBe(200);
      }
    } finally {
      await other.stop();
    }
  });

  it('splits a multi-change request into one record per change', async () => {
    const [a, b] = [uniqueNumber(), uniqueNumber()];
    const change = (phone: string) => ({
      field: 'messages',
      value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '1', phone_number_id: phone }, statuses: [] },
    });
    const body = Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'W1', changes: [change(a), change(b)] }] }));
    const response = await post(body, metaHeaders(body, stack.appSecret));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'accepted', events: 2 });
    const [recordA] = await webhooks.waitForCount(1, (r) => r.key === a);
    const [recordB] = await webhooks.waitForCount(1, (r) => r.key === b);
    expect(JSON.parse(recordA.value!.toString())).toEqual({ object: 'whatsapp_business_account', entry: [{ id: 'W1', changes: [change(a)] }] });
    expect(recordA.headers[WebhookHeaders.eventId]).not.toBe(recordB.headers[WebhookHeaders.eventId]);
  });

  it('refuses a wrong or missing signature with 401 and publishes nothing', async () => {
    const phoneNumberId = uniqueNumber();
    const body = metaFixtureFor('inbound-text.json', { [FIXTURE_IDS.phoneNumberId]: phoneNumberId });
    const wrong = await post(body, { 'content-type': 'application/json', 'x-hub-signature-256': signMetaPayload(body, 'not-the-secret') });
    expect(wrong.status).toBe(401);
    const missing = await post(body, { 'content-type': 'application/json' });
    expect(missing.status).toBe(401);
    const tampered = await post(Buffer.from(body.toString().replace('Hi', 'Yo')), metaHeaders(body, stack.appSecret));
    expect(tampered.status).toBe(401);

    // a valid marker sent afterwards on the same key arrives alone: nothing before it was published
    const marker = await post(body, metaHeaders(body, stack.appSecret));
    expect(marker.status).toBe(200);
    await webhooks.waitForCount(1, (r) => r.key === phoneNumberId);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(webhooks.records.filter((r) => r.key === phoneNumberId)).toHaveLength(1);
  });

  it('quarantines authentic malformed JSON byte for byte and answers 400', async () => {
    const body = Buffer.from(`{"object":"whatsapp_business_account","entry":[{"id":"${randomBytes(4).toString('hex')}"`);
    const response = await post(body, metaHeaders(body, stack.appSecret));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ quarantined: true });
    const [record] = await quarantine.waitForCount(1, (r) => r.value?.equals(body) ?? false);
    expect(record.headers).toMatchObject({ reason: 'malformed JSON', source: 'ingress' });
  });

  it('quarantines authentic JSON that is not a webhook envelope', async () => {
    const body = Buffer.from(JSON.stringify({ hello: randomBytes(4).toString('hex') }));
    const response = await post(body, metaHeaders(body, stack.appSecret));
    expect(response.status).toBe(400);
    const [record] = await quarantine.waitForCount(1, (r) => r.value?.equals(body) ?? false);
    expect(record.headers.reason).toBe('object is missing');
  });

  it('accepts a single change of 2.5 MB (under the 3 MB limit) and publishes it whole', async () => {
    const phoneNumberId = uniqueNumber();
    const envelope = JSON.parse(metaFixtureFor('status-sent-priced.json', { [FIXTURE_IDS.phoneNumberId]: phoneNumberId }).toString()) as {
      entry: { changes: { value: { statuses: unknown[] } }[] }[];
    };
    const statuses = envelope.entry[0].changes[0].value.statuses;
    const one = statuses[0];
    const copies = Math.ceil((2.5 * 1024 * 1024) / JSON.stringify(one).length);
    for (let i = 1; i < copies; i += 1) statuses.push(one);
    const body = Buffer.from(JSON.stringify(envelope));
    const response = await post(body, metaHeaders(body, stack.appSecret));
    expect(response.status).toBe(200);
    const [record] = await webhooks.waitForCount(1, (r) => r.key === phoneNumberId, 30_000);
    expect(record.value?.equals(body)).toBe(true);
  });

  it('answers 413 to bodies over 3 MB', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024 + 10, 'a');
    const response = await post(body, metaHeaders(body, stack.appSecret));
    expect(response.status).toBe(413);
    const metrics = await (await fetch(`${stack.url('ingress')}/metrics`)).text();
    expect(metrics).toMatch(/^wabridge_ingress_webhooks_total\{outcome="too_large"\} [1-9]/m);
  });

  it('serves health and Prometheus metrics', async () => {
    expect((await fetch(`${stack.url('ingress')}/health/live`)).status).toBe(200);
    const metrics = await (await fetch(`${stack.url('ingress')}/metrics`)).text();
    expect(metrics).toContain('wabridge_ingress_webhooks_total{outcome="accepted"}');
  });

  it('never logs the end-user number, the message text or the secrets', () => {
    const logs = stack.logs();
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [FIXTURE_IDS.endUserPhone, FIXTURE_IDS.inboundText, stack.appSecret]) {
      expect(logs).not.toContain(secret);
    }
  });
});

describe('ingress when Kafka is unavailable', () => {
  let broker: KafkaBroker;
  let ingress: ServiceProcess;
  const secret = `unavailable-${randomBytes(16).toString('hex')}`;

  beforeAll(async () => {
    broker = await startKafka();
    ingress = new ServiceProcess(
      'ingress',
      await freePort(),
      {
        KAFKA_BROKERS: broker.brokers.join(','),
        META_APP_SECRETS: secret,
        META_VERIFY_TOKEN: `verify-${randomBytes(8).toString('hex')}`,
        INGRESS_PUBLISH_TIMEOUT_MS: '1500',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
      join(testLogDir(), `ingress-unavailable-${Date.now()}.log`),
    );
    await ingress.start();
  }, 120000);

  afterAll(async () => {
    await ingress?.kill();
    await broker?.stop();
  });

  it('answers 503 with Retry-After within a bounded time, and is not ready', async () => {
    const body = metaFixtureFor('inbound-text.json', {});
    await broker.stop();
    const started = Date.now();
    const response = await fetch(`${ingress.url}/webhooks/whatsapp`, { method: 'POST', headers: metaHeaders(body, secret), body });
    const elapsed = Date.now() - started;
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(elapsed).toBeLessThan(5000);
    await waitFor(async () => (await fetch(`${ingress.url}/health/ready`)).status === 503, { timeoutMs: 30000, what: 'not ready' });
  }, 60000);
});
