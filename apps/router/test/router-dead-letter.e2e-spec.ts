import { DeadLetterHeaders } from '@wabridge/contracts';
import { TopicCollector } from '@wabridge/testing';
import { RouterSuite, SilentServer } from './router-test-kit';

/**
 * A router with a short retry window (3000 s × RETRY_TIME_SCALE 0.001 = 3 s: attempts at about 0,
 * 5 ms, 65 ms, 365 ms and 2.2 s, the next would fall after the window) and only 127.0.0.1 allowed,
 * so a binding on another loopback address is a destination it must never dial.
 */
describe('router: retry window and unsafe destinations', () => {
  const suite = RouterSuite.use({
    services: ['router'],
    env: { router: { RETRY_WINDOW: '3000s', WEBHOOK_URL_ALLOW_CIDRS: '127.0.0.1/32' } },
  });
  let dead: TopicCollector;

  beforeAll(async () => {
    dead = await TopicCollector.start(suite.stack.topics.dead, suite.kit.brokers.join(','));
  });

  afterAll(async () => {
    await dead?.stop();
  });

  it('dead-letters the original bytes once the retry window is over', async () => {
    const server = await suite.partner(500);
    const channel = await suite.kit.channel();
    await suite.kit.bind(channel.channelId, server.url);
    const event = await suite.kit.publish(channel);

    const [letter] = await dead.waitForCount(1, (record) => record.headers[DeadLetterHeaders.eventId] === event.eventId, 30_000);
    expect(letter.value?.equals(event.body)).toBe(true);
    expect(letter.key?.toString()).toBe(channel.phoneNumberId);
    expect(letter.headers).toMatchObject({
      [DeadLetterHeaders.phoneNumberId]: channel.phoneNumberId,
      [DeadLetterHeaders.destination]: 'primary',
      [DeadLetterHeaders.lastError]: 'http_status',
      [DeadLetterHeaders.receivedAt]: new Date(event.producedAt).toISOString(),
      'waba-id': channel.wabaId,
      field: 'messages',
    });
    const attempts = Number(letter.headers[DeadLetterHeaders.attempts]);
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(server.received).toHaveLength(attempts);
    // the last attempt is due inside the window; the attempt itself (a paused lane resuming, a fetch, the
    // POST) may end a little after it on a loaded machine — but never a schedule step (≥ 1.8 s) later
    expect(Date.parse(letter.headers[DeadLetterHeaders.deadAt])).toBeLessThanOrEqual(event.producedAt + 3000 + 1000);

    const row = await suite.kit.waitForRow(event.eventId, (r) => r.state === 'dead', 'the row to show dead');
    expect(row).toMatchObject({ attempts, lastStatusCode: 500, lastError: 'http_status', nextAttemptAt: null });
    // nothing is attempted after the dead letter
    expect(server.received.every((r) => r.at <= Date.parse(letter.headers[DeadLetterHeaders.deadAt]) + 50)).toBe(true);
  });

  it('never dials a destination outside the allowed addresses, and keeps the event', async () => {
    const forbidden = await SilentServer.start('127.0.0.2');
    try {
      const channel = await suite.kit.channel();
      await suite.kit.bind(channel.channelId, `${forbidden.url}/hook`);
      const event = await suite.kit.publish(channel);

      const kept = await suite.kit.waitForRow(event.eventId, (r) => r.attempts >= 2, 'a refused attempt to be retried');
      expect(kept).toMatchObject({ lastError: 'unsafe_destination', lastStatusCode: null });
      const [letter] = await dead.waitForCount(1, (record) => record.headers[DeadLetterHeaders.eventId] === event.eventId, 30_000);
      expect(letter.headers[DeadLetterHeaders.lastError]).toBe('unsafe_destination');
      expect(letter.value?.equals(event.body)).toBe(true);
      expect(forbidden.connections).toBe(0);
    } finally {
      await forbidden.close();
    }
  });
});
