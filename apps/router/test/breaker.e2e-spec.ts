import { PartnerServer, TestStack, waitFor } from '@wabridge/testing';
import { RouterTestKit } from './router-test-kit';

/**
 * The per-destination circuit breaker in a real router: 3 consecutive failures open it, fresh events
 * then go to the retry lane as `circuit_open` without a dial, and after the 3 s cool-down one probe
 * closes it again. RETRY_TIME_SCALE=1 keeps the first retry ≥ 4 s away, so no retry dials meanwhile.
 */
describe('router: circuit breaker per destination', () => {
  let stack: TestStack;
  let kit: RouterTestKit;
  const partners: PartnerServer[] = [];

  beforeAll(async () => {
    stack = await TestStack.start({
      services: ['router'],
      env: { router: { RETRY_TIME_SCALE: '1', ROUTER_BREAKER_FAILURES: '3', ROUTER_BREAKER_COOLDOWN: '3s' } },
    });
    kit = await RouterTestKit.create(stack.topics);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(partners.map((server) => server.close()));
    await kit?.close();
    await stack?.stop();
  });

  const metric = async (line: RegExp): Promise<number | undefined> => {
    const text = await (await fetch(`${stack.url('router')}/metrics`)).text();
    const found = text.split('\n').find((entry) => line.test(entry));
    return found === undefined ? undefined : Number(found.split(' ').pop());
  };

  it('opens after consecutive failures, skips the dial for fresh events, and a probe closes it', async () => {
    const [failing, healthy] = await Promise.all([PartnerServer.start(), PartnerServer.start()]);
    partners.push(failing, healthy);
    failing.respondWith(503);
    const channel = await kit.channel();
    const bystander = await kit.channel();
    await kit.bind(channel.channelId, failing.url);
    await kit.bind(bystander.channelId, healthy.url);

    for (let i = 0; i < 3; i += 1) {
      const event = await kit.publish(channel);
      await failing.waitForRequests(1, 10_000, (request) => request.headers['webhook-id'] === event.eventId);
      await kit.waitForRow(event.eventId, (row) => row.lastStatusCode === 503, 'the failure to be recorded');
    }
    const openedAt = Date.now();
    expect(failing.received).toHaveLength(3);

    const skipped = await Promise.all(Array.from({ length: 5 }, () => kit.publish(channel)));
    const other = await kit.publish(bystander);
    for (const event of skipped) {
      const row = await kit.waitForRow(event.eventId, (r) => r.lastError === 'circuit_open', 'a circuit_open row', 10_000);
      expect(row).toMatchObject({ state: 'retry_scheduled', attempts: 1, lastStatusCode: null });
    }
    // other destinations are not affected
    await healthy.waitForRequests(1, 10_000, (request) => request.headers['webhook-id'] === other.eventId);
    expect(Date.now() - openedAt).toBeLessThan(3000);
    expect(failing.received).toHaveLength(3);
    expect(await metric(/^wabridge_router_breakers\{state="open"\}/)).toBe(1);
    expect(await metric(/^wabridge_router_retry_store_depth /)).toBeGreaterThanOrEqual(8);
    expect(await metric(/^wabridge_router_consumer_lag\{lane="first"\}/)).toBeGreaterThanOrEqual(0);

    // after the cool-down the next fresh event is the probe; its 2xx closes the breaker
    failing.respondWith(200);
    await waitFor(() => Date.now() - openedAt > 3200, { what: 'the cool-down to pass', timeoutMs: 10_000 });
    const probe = await kit.publish(channel);
    await failing.waitForRequests(1, 10_000, (request) => request.headers['webhook-id'] === probe.eventId);
    const next = await kit.publish(channel);
    await failing.waitForRequests(1, 10_000, (request) => request.headers['webhook-id'] === next.eventId);
    expect(await kit.deliveryRow(next.eventId)).toBeNull();
    expect(await metric(/^wabridge_router_breakers\{state="open"\}/)).toBe(0);
    // the events kept while it was open are delivered by their retries
    for (const event of skipped) {
      await failing.waitForRequests(1, 20_000, (request) => request.headers['webhook-id'] === event.eventId);
    }
  }, 90_000);
});
