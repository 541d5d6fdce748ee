import { waitFor } from '@wabridge/testing';
import { RouterSuite } from './router-test-kit';

/**
 * The per-destination circuit breaker in a real router: 3 consecutive failures open it, fresh events
 * then go to the retry lane as `circuit_open` without a dial, and after the 3 s cool-down one probe
 * closes it again. RETRY_TIME_SCALE=1 keeps the first retry ≥ 4 s away, so no retry dials meanwhile.
 */
describe('router: circuit breaker per destination', () => {
  const suite = RouterSuite.use({
    services: ['router'],
    env: { router: { RETRY_TIME_SCALE: '1', ROUTER_BREAKER_FAILURES: '3', ROUTER_BREAKER_COOLDOWN: '3s' } },
  });

  it('opens after consecutive failures, skips the dial for fresh events, and a probe closes it', async () => {
    const [failing, healthy] = await Promise.all([suite.partner(503), suite.partner()]);
    const channel = await suite.kit.channel();
    const bystander = await suite.kit.channel();
    await suite.kit.bind(channel.channelId, failing.url);
    await suite.kit.bind(bystander.channelId, healthy.url);

    for (let i = 0; i < 3; i += 1) {
      const event = await suite.kit.publish(channel);
      await failing.waitForRequests(1, 10_000, (request) => request.headers['webhook-id'] === event.eventId);
      await suite.kit.waitForRow(event.eventId, (row) => row.lastStatusCode === 503, 'the failure to be recorded');
    }
    const openedAt = Date.now();
    expect(failing.received).toHaveLength(3);

    const skipped = await Promise.all(Array.from({ length: 5 }, () => suite.kit.publish(channel)));
    const other = await suite.kit.publish(bystander);
    for (const event of skipped) {
      const row = await suite.kit.waitForRow(event.eventId, (r) => r.lastError === 'circuit_open', 'a circuit_open row', 10_000);
      expect(row).toMatchObject({ state: 'retry_scheduled', attempts: 1, lastStatusCode: null });
    }
    // other destinations are not affected
    await healthy.waitForRequests(1, 10_000, (request) => request.headers['webhook-id'] === other.eventId);
    expect(Date.now() - openedAt).toBeLessThan(3000);
    expect(failing.received).toHaveLength(3);
    expect(await suite.metric(/^wabridge_router_breakers\{state="open"\}/)).toBe(1);
    expect(await suite.metric(/^wabridge_router_retry_store_depth /)).toBeGreaterThanOrEqual(8);
    expect(await suite.metric(/^wabridge_router_consumer_lag\{lane="first"\}/)).toBeGreaterThanOrEqual(0);

    // after the cool-down the next fresh event is the probe; its 2xx closes the breaker
    failing.respondWith(200);
    await waitFor(() => Date.now() - openedAt > 3200, { what: 'the cool-down to pass', timeoutMs: 10_000 });
    const probe = await suite.kit.publish(channel);
    await failing.waitForRequests(1, 10_000, (request) => request.headers['webhook-id'] === probe.eventId);
    const next = await suite.kit.publish(channel);
    await failing.waitForRequests(1, 10_000, (request) => request.headers['webhook-id'] === next.eventId);
    expect(await suite.kit.deliveryRow(next.eventId)).toBeNull();
    expect(await suite.metric(/^wabridge_router_breakers\{state="open"\}/)).toBe(0);
    // the events kept while it was open are delivered by their retries
    for (const event of skipped) {
      await failing.waitForRequests(1, 20_000, (request) => request.headers['webhook-id'] === event.eventId);
    }
  }, 90_000);
});
