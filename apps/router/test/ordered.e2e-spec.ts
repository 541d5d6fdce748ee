import { waitFor, type PartnerServer, type ReceivedRequest, type Responder } from '@wabridge/testing';
import { RouterSuite, type Published, type TestChannel } from './router-test-kit';

/**
 * `ordered` destinations (docs/delivery.md, Ordered delivery) in a real router: a pair's events reach its partner in Kafka order
 * while its head is retried, other pairs flow meanwhile, the order survives a SIGKILL of the router,
 * and a head that runs out of window is dead-lettered so the rest follow. The schedule is scaled
 * (RETRY_TIME_SCALE) to 100 ms, 200 ms, 400 ms… within a 12 s window; ROUTER_ORDERED_BUFFER=4 makes
 * long queues go through the re-read (seek) path.
 */
describe('router: ordered delivery per channel/destination pair', () => {
  const suite = RouterSuite.use({
    services: ['router'],
    env: {
      router: { RETRY_TIME_SCALE: '0.02', RETRY_SCHEDULE: '5s,10s,20s', RETRY_WINDOW: '10m', ROUTER_ORDERED_BUFFER: '4' },
    },
  });
  const partner = (status: Responder | number = 200) => suite.partner(status);
  const metric = (name: string) => suite.metric(new RegExp(`^${name} `));

  async function publishMany(channel: TestChannel, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) ids.push((await suite.kit.publish(channel)).eventId);
    return ids;
  }

  /** The webhook-ids a partner accepted, first acceptance of each, in the order they arrived. */
  function acceptedOrder(server: PartnerServer, accepted: (request: ReceivedRequest) => boolean): string[] {
    const seen = new Set<string>();
    for (const request of server.received) {
      const id = request.headers['webhook-id'];
      if (accepted(request) && !seen.has(id)) seen.add(id);
    }
    return [...seen];
  }

  it('holds a failing pair’s queue in Kafka order and lets other pairs through', async () => {
    let failing = true;
    const ordered = await partner(() => (failing ? 503 : 200));
    const otherOrdered = await partner();
    const unordered = await partner();
    const [channel, otherChannel, unorderedChannel] = await Promise.all([suite.kit.channel(), suite.kit.channel(), suite.kit.channel()]);
    await suite.kit.bind(channel.channelId, `${ordered.url}/hook`, { ordered: true });
    await suite.kit.bind(otherChannel.channelId, `${otherOrdered.url}/hook`, { ordered: true });
    await suite.kit.bind(unorderedChannel.channelId, `${unordered.url}/hook`);

    const ids = await publishMany(channel, 15);
    const otherIds = await publishMany(otherChannel, 5);
    const unorderedIds = await publishMany(unorderedChannel, 5);

    // the other pairs are not held up by the failing one
    await otherOrdered.waitForRequests(5, 15_000);
    await unordered.waitForRequests(5, 15_000);
    expect(acceptedOrder(otherOrdered, () => true)).toEqual(otherIds);
    expect(new Set(unordered.received.map((request) => request.headers['webhook-id']))).toEqual(new Set(unorderedIds));

    // while it fails, only the head is ever attempted: nothing overtakes it
    await ordered.waitForRequests(3, 15_000);
    expect(new Set(ordered.received.map((request) => request.headers['webhook-id']))).toEqual(new Set([ids[0]]));
    const waiting = await suite.kit.waitForRow(ids[5], (row) => row.lastError === 'ordered_wait', 'a queued event to be visible');
    expect(waiting).toMatchObject({ state: 'retry_scheduled', attempts: 1 });
    expect((await suite.kit.deliveryRow(ids[0]))?.lastStatusCode).toBe(503);
    expect(await metric('wabridge_router_ordered_pairs_parked')).toBe(1);

    const recoveredAt = Date.now();
    failing = false;
    await waitFor(() => acceptedOrder(ordered, (request) => request.at >= recoveredAt).length >= ids.length || undefined, {
      timeoutMs: 20_000,
      what: 'every queued event to be delivered',
    });
    expect(acceptedOrder(ordered, (request) => request.at >= recoveredAt)).toEqual(ids);
    // 15 events with room for 4 in memory: the rest were read again from Kafka when their turn came
    expect(await metric('wabridge_router_ordered_rereads_total')).toBeGreaterThan(0);
    expect(await metric('wabridge_router_ordered_pairs_parked')).toBe(0);
    await suite.kit.waitForRow(ids[14], (row) => row.state === 'delivered', 'the last queued event’s row to show it delivered');

    // the pair is released: a fresh event goes straight out, without a parking row
    const fresh = await suite.kit.publish(channel);
    await ordered.waitForRequests(1, 10_000, (request) => request.headers['webhook-id'] === fresh.eventId);
    expect(await suite.kit.deliveryRow(fresh.eventId)).toBeNull();
  }, 90_000);

  it('keeps the order across a SIGKILL of the router while the pair is parked', async () => {
    let failing = true;
    const ordered = await partner(() => (failing ? 500 : 200));
    const channel = await suite.kit.channel();
    await suite.kit.bind(channel.channelId, `${ordered.url}/hook`, { ordered: true });
    const before = await publishMany(channel, 10);
    await ordered.waitForRequests(2, 15_000);
    await suite.kit.waitForRow(before[9], (row) => row.lastError === 'ordered_wait', 'the queue to be parked');

    await suite.stack.service('router').kill();
    const during: Published[] = [];
    for (let i = 0; i < 5; i += 1) during.push(await suite.kit.publish(channel));
    await suite.stack.service('router').start();

    const recoveredAt = Date.now();
    failing = false;
    const all = [...before, ...during.map((event) => event.eventId)];
    await waitFor(() => acceptedOrder(ordered, (request) => request.at >= recoveredAt).length >= all.length || undefined, {
      timeoutMs: 30_000,
      what: 'every event to be delivered after the restart',
    });
    expect(acceptedOrder(ordered, (request) => request.at >= recoveredAt)).toEqual(all);
  }, 120_000);

  it('dead-letters a head that never succeeds within the window; the rest follow in order', async () => {
    let poisoned = '';
    const ordered = await partner((request) => (request.headers['webhook-id'] === poisoned ? 500 : 200));
    const channel = await suite.kit.channel();
    await suite.kit.bind(channel.channelId, `${ordered.url}/hook`, { ordered: true });
    const head = await suite.kit.publish(channel);
    poisoned = head.eventId;
    const rest = await publishMany(channel, 6);

    await suite.kit.waitForRow(head.eventId, (row) => row.state === 'dead', 'the head to be dead-lettered', 30_000);
    await waitFor(() => acceptedOrder(ordered, (request) => request.headers['webhook-id'] !== poisoned).length >= rest.length || undefined, {
      timeoutMs: 15_000,
      what: 'the events behind the dead head to be delivered',
    });
    expect(acceptedOrder(ordered, (request) => request.headers['webhook-id'] !== poisoned)).toEqual(rest);
    const headAttempts = ordered.received.filter((request) => request.headers['webhook-id'] === poisoned);
    const firstOfRest = ordered.received.findIndex((request) => request.headers['webhook-id'] === rest[0]);
    // nothing behind the head was attempted while it was still retried
    expect(ordered.received.slice(0, firstOfRest).every((request) => request.headers['webhook-id'] === poisoned)).toBe(true);
    expect(headAttempts.length).toBeGreaterThan(3);
  }, 90_000);
});
