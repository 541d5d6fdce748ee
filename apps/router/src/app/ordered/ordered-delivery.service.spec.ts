import { channelA, destination, inbound, World } from '../delivery/delivery-world.fake';

describe('ordered destinations', () => {
  const orderedDestination = (url: string) => ({ ...destination(channelA, 'primary', url), ordered: true });
  const pairKey = `${channelA.id}/primary`;

  it('parks the pair with the failed event as its head instead of writing a retry-lane record', async () => {
    const world = new World();
    world.destinations = [orderedDestination('https://down.example/'), destination(channelA, 'crm', 'https://crm.example/')];
    world.answers.set('https://down.example/', { kind: 'response', statusCode: 500, retryAfter: null, latencyMs: 4 });
    await world.service().deliverFresh(inbound(), { partition: 0, offset: '7' });

    expect(world.parked).toEqual([
      { pair: pairKey, eventId: 'evt_1', input: { attempt: 2, dueAt: new Date('2025-01-01T00:00:15.000Z'), reason: 'http_status', sourceOffset: '0:7' } },
    ]);
    expect(world.on('retry.0')).toEqual([]);
    expect(world.rows).toEqual([expect.objectContaining({ state: 'retry_scheduled', lastStatusCode: 500, attempts: 1 })]);
  });

  it('queues later events of a parked pair without dialling, and leaves unordered destinations alone', async () => {
    const world = new World();
    world.destinations = [orderedDestination('https://ordered.example/'), destination(channelA, 'crm', 'https://crm.example/')];
    world.parkedPairs.add(pairKey);
    await world.service().deliverFresh(inbound({ eventId: 'evt_9' }), { partition: 0, offset: '9' });

    expect(world.posted.map((request) => request.url)).toEqual(['https://crm.example/']);
    expect(world.parked).toEqual([{ pair: pairKey, eventId: 'evt_9', input: expect.objectContaining({ attempt: 2, dueAt: null, reason: 'ordered_wait' }) }]);
    expect(world.outcomes()).toEqual(
      expect.arrayContaining([expect.objectContaining({ destination: 'primary', state: 'retry_scheduled', error_class: 'ordered_wait', attempt: 1 })]),
    );
  });

  it('keeps the first lane’s attempts to a pair in offset order even when they start together', async () => {
    const world = new World();
    world.destinations = [orderedDestination('https://ordered.example/')];
    const service = world.service();
    await Promise.all(['evt_a', 'evt_b', 'evt_c'].map((eventId, i) => service.deliverFresh(inbound({ eventId }), { partition: 0, offset: String(i) })));
    expect(world.posted.map((request) => request.headers['webhook-id'])).toEqual(['evt_a', 'evt_b', 'evt_c']);
  });

  it('a parked head that fails again stays the head, with its next attempt stored', async () => {
    const world = new World();
    world.destinations = [orderedDestination('https://down.example/')];
    world.answers.set('https://down.example/', { kind: 'error', errorClass: 'timeout', latencyMs: 5000 });
    const result = await world
      .ordered()
      .deliverParked({ event: inbound(), pair: { channelId: channelA.id, slot: 'primary' }, seq: 3n, attempt: 2, dueAt: null });
    const dueAt = new Date('2025-01-01T00:01:10.000Z');
    expect(result).toEqual({ retryAt: dueAt });
    expect(world.heads).toEqual([{ pair: pairKey, seq: 3n, attempt: 3, dueAt }]);
    expect(world.on('retry.1')).toEqual([]);
  });

  it('a parked head is done when delivered, or dead-lettered once the window is over', async () => {
    const world = new World();
    world.destinations = [orderedDestination('https://ok.example/')];
    const ticket = { event: inbound(), pair: { channelId: channelA.id, slot: 'primary' }, seq: 1n, attempt: 2, dueAt: null };
    expect(await world.ordered().deliverParked(ticket)).toEqual({ retryAt: null });
    expect(world.rows).toEqual([expect.objectContaining({ state: 'delivered', attempts: 2 })]);

    world.answers.set('https://ok.example/', { kind: 'response', statusCode: 503, retryAfter: null, latencyMs: 2 });
    expect(await world.ordered(12_000).deliverParked({ ...ticket, attempt: 5 })).toEqual({ retryAt: null });
    expect(world.on('dead')).toHaveLength(1);
    expect(world.heads).toEqual([]);
  });

  it('a parked event whose slot is no longer bound waits for a binding', async () => {
    const world = new World();
    const result = await world
      .ordered()
      .deliverParked({ event: inbound(), pair: { channelId: channelA.id, slot: 'primary' }, seq: 1n, attempt: 2, dueAt: null });
    expect(result.retryAt).toBeInstanceOf(Date);
    expect(world.rows).toEqual([expect.objectContaining({ state: 'retry_scheduled', lastError: 'no_binding' })]);
  });
});
