import { assertDeliveryAttemptEvent, QuarantineHeaders, WebhookHeaders } from '@wabridge/contracts';
import { BINDING_PROPAGATION_BOUND_MS, TopicCollector, waitFor, type Responder } from '@wabridge/testing';
import { Webhook } from 'standardwebhooks';
import { RouterSuite, SilentServer } from './router-test-kit';

/**
 * The router as a real process on the run's Kafka and Postgres, fed the way ingress feeds it, with
 * bindings written the way the gateway writes them. RETRY_TIME_SCALE=0.001 (the stack default) turns
 * the 5 s, 1 min, 5 min, 30 min… schedule into 5 ms, 60 ms, 300 ms, 1.8 s…
 */
describe('router: delivery to partners', () => {
  const suite = RouterSuite.use({ services: ['router'], env: { router: { DELIVERY_TIMEOUT_MS: '5000' } } });
  const partner = (respond?: Responder | number) => suite.partner(respond);
  let outcomes: TopicCollector;
  let quarantine: TopicCollector;

  beforeAll(async () => {
    [outcomes, quarantine] = await Promise.all([
      TopicCollector.start(suite.stack.topics.deliveries, suite.kit.brokers.join(',')),
      TopicCollector.start(suite.stack.topics.quarantine, suite.kit.brokers.join(',')),
    ]);
  });

  afterAll(async () => {
    await Promise.all([outcomes?.stop(), quarantine?.stop()]);
  });

  const outcomesOf = (eventId: string) =>
    outcomes.records.map((record) => assertDeliveryAttemptEvent(JSON.parse(String(record.value)))).filter((event) => event.event_id === eventId);

  it('delivers the exact bytes with the custom headers and a Standard Webhooks signature', async () => {
    const server = await partner();
    const channel = await suite.kit.channel();
    const binding = await suite.kit.bind(channel.channelId, `${server.url}/hooks/wa?tenant=7`, { headers: { 'X-Partner-Token': 'tok-123' } });
    const event = await suite.kit.publish(channel);

    const [request] = await server.waitForRequests(1);
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hooks/wa?tenant=7');
    expect(request.body.equals(event.body)).toBe(true);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-partner-token']).toBe('tok-123');
    expect(request.headers['user-agent']).toMatch(/^wabridge\//);
    expect(request.headers['webhook-id']).toBe(event.eventId);
    expect(() => new Webhook(binding.signingSecret).verify(request.body, request.headers)).not.toThrow();

    const [outcome] = await waitFor(() => (outcomesOf(event.eventId).length > 0 ? outcomesOf(event.eventId) : undefined), {
      what: 'the delivery outcome record',
    });
    expect(outcome).toMatchObject({
      phone_number_id: channel.phoneNumberId,
      channel_id: channel.channelId,
      destination_id: binding.id,
      destination: 'primary',
      attempt: 1,
      status_code: 200,
      error_class: null,
      state: 'delivered',
    });
    // the happy path writes nothing to Postgres
    expect(await suite.kit.deliveryRow(event.eventId)).toBeNull();
  });

  it('delivers to every extra destination as well, each on its own', async () => {
    const [primary, crm] = await Promise.all([partner(), partner(500)]);
    const channel = await suite.kit.channel();
    await suite.kit.bind(channel.channelId, primary.url);
    await suite.kit.bind(channel.channelId, crm.url, { kind: 'extra', name: 'crm' });
    const event = await suite.kit.publish(channel);
    await primary.waitForRequests(1);
    await crm.waitForRequests(2);
    crm.respondWith(200);
    expect(primary.received).toHaveLength(1);
    const row = await waitFor(
      async () => {
        const found = await suite.kit.deliveryRow(event.eventId, 'crm');
        return found?.state === 'delivered' ? found : undefined;
      },
      { what: 'the crm row to show delivered' },
    );
    expect(row.attempts).toBeGreaterThanOrEqual(3);
    expect(crm.received.every((r) => r.headers['webhook-id'] === event.eventId)).toBe(true);
    expect(primary.received).toHaveLength(1);
  });

  it('retries a partner that is down, with the same webhook-id, until it is back', async () => {
    let calls = 0;
    const server = await partner(() => (++calls <= 2 ? 503 : 200));
    const channel = await suite.kit.channel();
    await suite.kit.bind(channel.channelId, server.url);
    const event = await suite.kit.publish(channel);

    const requests = await server.waitForRequests(3);
    expect(requests.map((r) => r.headers['webhook-id'])).toEqual([event.eventId, event.eventId, event.eventId]);
    expect(requests.every((r) => r.body.equals(event.body))).toBe(true);
    const row = await suite.kit.waitForRow(event.eventId, (r) => r.state === 'delivered', 'the row to show delivered');
    expect(row).toMatchObject({ attempts: 3, lastStatusCode: 200, lastError: null, channelId: channel.channelId });
    await waitFor(() => outcomesOf(event.eventId).length >= 3, { what: 'three outcome records' });
    expect(outcomesOf(event.eventId).map((o) => [o.attempt, o.state, o.status_code])).toEqual([
      [1, 'retry_scheduled', 503],
      [2, 'retry_scheduled', 503],
      [3, 'delivered', 200],
    ]);
    expect(server.received).toHaveLength(3);
  });

  it('sends retries to the new URL after a rebinding, and nothing more to the old one', async () => {
    const [old, fresh] = await Promise.all([partner(500), partner(200)]);
    const channel = await suite.kit.channel();
    const binding = await suite.kit.bind(channel.channelId, old.url);
    const event = await suite.kit.publish(channel);
    await old.waitForRequests(1);

    await suite.kit.rebind(binding.id, fresh.url);
    const reboundAt = Date.now();
    const [request] = await fresh.waitForRequests(1, 30_000);
    expect(request.headers['webhook-id']).toBe(event.eventId);
    expect(request.body.equals(event.body)).toBe(true);
    // docs/delivery.md: within 1 s of the rebinding, no attempt goes to the previous URL
    expect(old.received.every((r) => r.at <= reboundAt + BINDING_PROPAGATION_BOUND_MS)).toBe(true);
    const row = await suite.kit.waitForRow(event.eventId, (r) => r.state === 'delivered', 'the row to show delivered');
    expect(row.attempts).toBeGreaterThan(1);
    expect(fresh.received).toHaveLength(1);
  });

  it('keeps an event for a channel without binding and delivers it once a partner binds', async () => {
    const server = await partner();
    const channel = await suite.kit.channel();
    const event = await suite.kit.publish(channel);
    const row = await suite.kit.waitForRow(event.eventId, (r) => r.state === 'retry_scheduled', 'the event to be kept');
    expect(row).toMatchObject({ lastError: 'no_binding', channelId: channel.channelId, phoneNumberId: channel.phoneNumberId });
    expect(row.nextAttemptAt).not.toBeNull();

    const binding = await suite.kit.bind(channel.channelId, server.url);
    const [request] = await server.waitForRequests(1, 30_000);
    expect(request.body.equals(event.body)).toBe(true);
    expect(() => new Webhook(binding.signingSecret).verify(request.body, request.headers)).not.toThrow();
    await suite.kit.waitForRow(event.eventId, (r) => r.state === 'delivered', 'the row to show delivered');
  });

  it('keeps an event for an unknown number and delivers it once the channel exists and is bound', async () => {
    const server = await partner();
    const future = { phoneNumberId: String(Date.now()) + '7', wabaId: '4242' };
    const event = await suite.kit.publish(future);
    const row = await suite.kit.waitForRow(event.eventId, (r) => r.state === 'retry_scheduled', 'the event to be kept');
    expect(row).toMatchObject({ lastError: 'unknown_number', channelId: null, phoneNumberId: future.phoneNumberId });

    const channel = await suite.kit.channel();
    await suite.kit.db.query('UPDATE channels SET phone_number_id = $1 WHERE id = $2', [future.phoneNumberId, channel.channelId]);
    await suite.kit.bind(channel.channelId, server.url);
    const [request] = await server.waitForRequests(1, 30_000);
    expect(request.headers['webhook-id']).toBe(event.eventId);
  });

  it('delivers an account-level event (no phone number) to every channel of the WABA', async () => {
    const [first, second] = await Promise.all([partner(), partner()]);
    const a = await suite.kit.channel();
    const b = await suite.kit.channel();
    await suite.kit.db.query('UPDATE channels SET waba_id = $1 WHERE id = $2', [a.wabaId, b.channelId]);
    await suite.kit.bind(a.channelId, first.url);
    await suite.kit.bind(b.channelId, second.url);
    const body = Buffer.from(
      JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [{ id: a.wabaId, time: 1718000000, changes: [{ field: 'account_update', value: { event: 'VERIFIED_ACCOUNT' } }] }],
      }),
    );
    const event = await suite.kit.publishRaw(body, { [WebhookHeaders.wabaId]: a.wabaId, [WebhookHeaders.field]: 'account_update' }, `waba:${a.wabaId}`);
    const [[toFirst], [toSecond]] = await Promise.all([first.waitForRequests(1), second.waitForRequests(1)]);
    expect(toFirst.body.equals(body) && toSecond.body.equals(body)).toBe(true);
    expect(toFirst.headers['webhook-id']).toBe(event.eventId);
  });

  it('counts a redirect as a failure and does not follow it', async () => {
    const target = await partner();
    const server = await partner(() => ({ status: 302, headers: { location: `${target.url}/elsewhere` } }));
    const channel = await suite.kit.channel();
    await suite.kit.bind(channel.channelId, server.url);
    const event = await suite.kit.publish(channel);
    await server.waitForRequests(3);
    const row = await suite.kit.waitForRow(event.eventId, (r) => r.attempts >= 2, 'a retry after the redirect');
    expect(row).toMatchObject({ state: 'retry_scheduled', lastStatusCode: 302, lastError: 'redirect' });
    expect(target.received).toHaveLength(0);
  });

  it('disables a destination that answers 410 Gone and stops sending to it', async () => {
    const server = await partner(410);
    const channel = await suite.kit.channel();
    const binding = await suite.kit.bind(channel.channelId, server.url);
    const first = await suite.kit.publish(channel);
    const row = await suite.kit.waitForRow(first.eventId, (r) => r.state === 'disabled', 'the destination to be disabled');
    expect(row).toMatchObject({ attempts: 1, lastStatusCode: 410 });
    expect((await suite.kit.destination(binding.id))?.disabledAt).toBeInstanceOf(Date);

    const second = await suite.kit.publish(channel);
    const kept = await suite.kit.waitForRow(second.eventId, (r) => r.state === 'retry_scheduled', 'the next event to be kept');
    expect(kept.lastError).toBe('no_binding');
    expect(server.received).toHaveLength(1);
    expect(suite.stack.service('router').logs()).toContain('410 Gone');
  });

  it('does not let a hanging partner delay another channel on the same partition', async () => {
    const hanging = await SilentServer.start();
    const fast = await partner();
    try {
      const slow = await suite.kit.channel();
      const quick = await suite.kit.channel();
      await suite.kit.bind(slow.channelId, hanging.url);
      await suite.kit.bind(quick.channelId, fast.url);
      await suite.kit.publish(slow, { partition: 0 });
      await waitFor(() => hanging.requestsAt.length > 0, { what: 'the hanging partner to be dialled' });

      const event = await suite.kit.publish(quick, { partition: 0 });
      const [request] = await fast.waitForRequests(1, 10_000);
      expect(request.headers['webhook-id']).toBe(event.eventId);
      // the attempt timeout is 5 s; the fast partner must not wait for it
      expect(request.at - event.producedAt).toBeLessThan(2000);
    } finally {
      await hanging.close();
    }
  });

  it('delivers the on-premise shape, signed as sent, to a binding that asks for it', async () => {
    const server = await partner();
    const channel = await suite.kit.channel();
    const binding = await suite.kit.bind(channel.channelId, server.url, { onPremiseFormat: true });
    const event = await suite.kit.publish(channel);
    const [request] = await server.waitForRequests(1, 20_000, (r) => r.headers['webhook-id'] === event.eventId);
    const cloud = JSON.parse(event.body.toString()).entry[0].changes[0].value;
    expect(JSON.parse(request.body.toString())).toEqual({ contacts: cloud.contacts, messages: cloud.messages });
    expect(() => new Webhook(binding.signingSecret).verify(request.body, request.headers)).not.toThrow();
  });

  it('quarantines a record it cannot route instead of dropping it', async () => {
    const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
    await suite.kit.producer.send(suite.stack.topics.webhooks, [{ key: 'x', value: body, headers: { [WebhookHeaders.receivedAt]: new Date().toISOString() } }]);
    const [kept] = await quarantine.waitForCount(1, (record) => record.value?.equals(body) === true);
    expect(kept.headers[QuarantineHeaders.source]).toBe('router');
    expect(kept.headers[QuarantineHeaders.reason]).toContain('event-id');
  });

  it('keeps a scheduled retry across a router crash', async () => {
    const server = await partner(500);
    const channel = await suite.kit.channel();
    await suite.kit.bind(channel.channelId, server.url);
    const event = await suite.kit.publish(channel);
    await suite.kit.waitForRow(event.eventId, (r) => r.attempts >= 3, 'a few failed attempts');
    await suite.stack.service('router').kill();
    server.respondWith(200);
    const before = server.received.length;
    await suite.stack.service('router').start();
    await server.waitForRequests(before + 1, 40_000);
    const row = await suite.kit.waitForRow(event.eventId, (r) => r.state === 'delivered', 'the row to show delivered', 40_000);
    expect(row.attempts).toBeGreaterThan(3);
    expect(server.received.every((r) => r.headers['webhook-id'] === event.eventId)).toBe(true);
  }, 90_000);
});
