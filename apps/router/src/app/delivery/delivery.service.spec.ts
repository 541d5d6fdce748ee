import { slotDestination } from '@wabridge/contracts';
import { destinationClassOf } from '../metrics/attempt-span';
import type { RetryTicket } from '../records/event-records';
import { CircuitBreakers } from './circuit-breaker';
import { channelA, channelB, destination, inbound, NOW, World } from './delivery-world.fake';

describe('DeliveryService', () => {
  it('sends fresh events for a destination with an open breaker straight to the retry lane, without dialling', async () => {
    const world = new World();
    world.breakers = new CircuitBreakers({ failureThreshold: 2, coolDownMs: 60_000 });
    world.destinations = [destination(channelA, 'primary', 'https://down.example/'), destination(channelA, 'crm', 'https://crm.example/')];
    world.answers.set('https://down.example/', { kind: 'error', errorClass: 'timeout', latencyMs: 2000 });
    const service = world.service();
    await service.deliverFresh(inbound({ eventId: 'evt_1' }));
    await service.deliverFresh(inbound({ eventId: 'evt_2' }));
    expect(world.posted.filter((request) => request.url === 'https://down.example/')).toHaveLength(2);

    await service.deliverFresh(inbound({ eventId: 'evt_3' }));
    // the open breaker saved a dial to the failing destination, not to the healthy one
    expect(world.posted.filter((request) => request.url === 'https://down.example/')).toHaveLength(2);
    expect(world.posted.filter((request) => request.url === 'https://crm.example/')).toHaveLength(3);
    const skipped = world.on('retry.0').filter((record) => record.headers?.['event-id'] === 'evt_3');
    expect(skipped.map((record) => record.headers)).toEqual([expect.objectContaining({ destination: 'primary', reason: 'circuit_open', attempt: '2' })]);
    expect(world.outcomes().filter((o) => o.event_id === 'evt_3' && o.destination === 'primary')).toEqual([
      expect.objectContaining({ state: 'retry_scheduled', error_class: 'circuit_open', status_code: null }),
    ]);
  });

  it('tells the stats every attempt of a slot, and the events an open breaker held back with its state', async () => {
    const world = new World();
    world.breakers = new CircuitBreakers({ failureThreshold: 2, coolDownMs: 60_000 });
    world.destinations = [destination(channelA, 'primary', 'https://down.example/'), destination(channelA, 'crm', 'https://crm.example/')];
    world.answers.set('https://down.example/', { kind: 'response', statusCode: 502, retryAfter: null, latencyMs: 40 });
    const service = world.service();
    for (const eventId of ['evt_1', 'evt_2', 'evt_3']) await service.deliverFresh(inbound({ eventId }));
    const primary = world.samples.filter((sample) => sample.slot === 'primary');
    expect(primary.map(({ dialed, delivered, errorClass, breakerState }) => ({ dialed, delivered, errorClass, breakerState }))).toEqual([
      { dialed: true, delivered: false, errorClass: 'http_status', breakerState: 'closed' },
      { dialed: true, delivered: false, errorClass: 'http_status', breakerState: 'open' },
      { dialed: false, delivered: false, errorClass: 'circuit_open', breakerState: 'open' },
    ]);
    expect(world.samples.filter((sample) => sample.slot === 'crm').map((sample) => [sample.dialed, sample.delivered, sample.latencyMs])).toEqual([
      [true, true, 3],
      [true, true, 3],
      [true, true, 3],
    ]);
    expect(world.samples.every((sample) => sample.channelId === channelA.id)).toBe(true);
  });

  it('skips changes a destination did not ask for, without an attempt, an outcome or a retry', async () => {
    const world = new World();
    world.destinations = [
      destination(channelA, 'primary', 'https://all.example/'),
      { ...destination(channelA, 'analytics', 'https://analytics.example/'), events: ['messages.statuses'] },
    ];
    const service = world.service();
    const messages = (eventId: string, value: object) =>
      inbound({
        eventId,
        value: Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'W1', changes: [{ field: 'messages', value }] }] })),
        headers: { ...inbound().headers, 'event-id': eventId, field: 'messages' },
      });
    await service.deliverFresh(messages('evt_in', { messages: [{ id: 'wamid.1' }] }));
    await service.deliverFresh(messages('evt_st', { statuses: [{ id: 'wamid.1', status: 'read' }] }));
    expect(world.posted.map((request) => `${request.url} ${request.headers['webhook-id']}`)).toEqual([
      'https://all.example/ evt_in',
      'https://all.example/ evt_st',
      'https://analytics.example/ evt_st',
    ]);
    expect(world.outcomes().map((o) => `${o.destination} ${o.event_id}`)).toEqual(['primary evt_in', 'primary evt_st', 'analytics evt_st']);
    expect(world.rows).toEqual([]);

    // a retry for a slot that was rebound meanwhile with a filter leaving the change out ends quietly
    const ticket: RetryTicket = {
      event: messages('evt_in', { messages: [{ id: 'wamid.1' }] }),
      attempt: 2,
      slot: 'analytics',
      scope: 'slot',
      channelId: channelA.id,
      dueAt: NOW,
      reason: 'timeout',
    };
    await service.deliverRetry(ticket);
    expect(world.posted).toHaveLength(3);
    expect(world.sent.filter((item) => item.topic !== 'deliveries')).toEqual([]);
  });

  it('delivers to the primary and every extra at once, retrying only the one that failed', async () => {
    const world = new World();
    world.destinations = [destination(channelA, 'primary', 'https://a.example/'), destination(channelA, 'crm', 'https://crm.example/')];
    world.answers.set('https://crm.example/', { kind: 'response', statusCode: 500, retryAfter: null, latencyMs: 7 });
    await world.service().deliverFresh(inbound(), { partition: 0, offset: '5' });

    expect(world.posted.map((request) => request.url).sort()).toEqual(['https://a.example/', 'https://crm.example/']);
    const [retry] = world.on('retry.0');
    expect(world.on('retry.0')).toHaveLength(1);
    expect(retry.headers).toMatchObject({
      destination: 'crm',
      attempt: '2',
      reason: 'http_status',
      scope: 'slot',
      'channel-id': channelA.id,
      'due-at': '2025-01-01T00:00:15.000Z',
      'source-offset': '0:5',
    });
    expect(world.outcomes().map((o) => [o.destination, o.state, o.status_code])).toEqual(
      expect.arrayContaining([
        ['primary', 'delivered', 200],
        ['crm', 'retry_scheduled', 500],
      ]),
    );
    expect(world.rows).toEqual([
      expect.objectContaining({ eventId: 'evt_1', destination: 'crm', state: 'retry_scheduled', attempts: 1, lastStatusCode: 500, lastError: 'http_status' }),
    ]);
  });

  it("delivers to every partner slot, and retries a slot's `primary` to that slot only", async () => {
    const world = new World();
    const inbox = slotDestination('inbox', 'primary');
    world.destinations = [destination(channelA, 'primary', 'https://bot.example/'), destination(channelA, inbox, 'https://inbox.example/')];
    world.answers.set('https://inbox.example/', { kind: 'response', statusCode: 503, retryAfter: null, latencyMs: 4 });
    await world.service().deliverFresh(inbound());

    expect(world.posted.map((request) => request.url).sort()).toEqual(['https://bot.example/', 'https://inbox.example/']);
    const [retry] = world.on('retry.0');
    expect(world.on('retry.0')).toHaveLength(1);
    expect(retry.headers).toMatchObject({ destination: 'inbox\u203aprimary', scope: 'slot', 'channel-id': channelA.id });
    expect(world.rows).toEqual([expect.objectContaining({ destination: 'inbox\u203aprimary', state: 'retry_scheduled' })]);

    // the inbox slot rebinds: its retry goes to the new inbox URL, never to the other slot's primary
    world.destinations = [destination(channelA, 'primary', 'https://bot.example/'), destination(channelA, inbox, 'https://inbox2.example/')];
    world.posted.length = 0;
    await world.service().deliverRetry({ event: inbound(), attempt: 2, slot: inbox, scope: 'slot', channelId: channelA.id, dueAt: NOW, reason: 'http_status' });
    expect(world.posted.map((request) => request.url)).toEqual(['https://inbox2.example/']);
    // and a retry of slot 1's primary never reaches the inbox slot
    world.posted.length = 0;
    await world.service().deliverRetry({ event: inbound(), attempt: 2, slot: 'primary', scope: 'slot', channelId: channelA.id, dueAt: NOW, reason: 'timeout' });
    expect(world.posted.map((request) => request.url)).toEqual(['https://bot.example/']);
    // the stats and the metrics see each slot's primary as a primary
    expect(new Set(world.samples.map((sample) => sample.slot))).toEqual(new Set(['primary', inbox]));
    expect(destinationClassOf(inbox)).toBe('primary');
    expect(destinationClassOf(slotDestination('inbox', 'crm'))).toBe('extra');
  });

  it('keeps an event for an unknown number on the retry lane, visible as retry_scheduled', async () => {
    const world = new World();
    await world.service().deliverFresh(inbound({ phoneNumberId: '999', key: '999' }));
    expect(world.posted).toHaveLength(0);
    expect(world.on('retry.0')[0].headers).toMatchObject({ destination: 'primary', reason: 'unknown_number', scope: 'channel', attempt: '2' });
    expect(world.on('retry.0')[0].headers?.['channel-id']).toBeUndefined();
    expect(world.rows).toEqual([
      expect.objectContaining({ destination: 'primary', phoneNumberId: '999', channelId: null, state: 'retry_scheduled', lastError: 'unknown_number' }),
    ]);
  });

  it('keeps an event for a channel without binding, and delivers it once a binding exists', async () => {
    const world = new World();
    await world.service().deliverFresh(inbound());
    const [kept] = world.on('retry.0');
    expect(kept.headers).toMatchObject({ reason: 'no_binding', scope: 'channel', 'channel-id': channelA.id });
    expect(world.rows[0]).toMatchObject({ destination: 'primary', channelId: channelA.id, lastError: 'no_binding' });

    world.destinations = [destination(channelA, 'primary', 'https://late.example/')];
    const ticket: RetryTicket = {
      event: inbound({ headers: kept.headers ?? {} }),
      attempt: 2,
      slot: 'primary',
      scope: 'channel',
      channelId: channelA.id,
      dueAt: NOW,
      reason: 'no_binding',
    };
    await world.service().deliverRetry(ticket);
    expect(world.posted.map((request) => request.url)).toEqual(['https://late.example/']);
    expect(world.rows[1]).toMatchObject({ destination: 'primary', state: 'delivered', attempts: 2 });
  });

  it('fans a WABA-level event out to every channel of the WABA, one row per channel', async () => {
    const world = new World();
    world.destinations = [destination(channelA, 'primary', 'https://a.example/'), destination(channelB, 'primary', 'https://b.example/')];
    world.answers.set('https://b.example/', { kind: 'error', errorClass: 'timeout', latencyMs: 5000 });
    await world.service().deliverFresh(inbound({ phoneNumberId: null, key: 'waba:W1' }));
    expect(world.posted.map((request) => request.url).sort()).toEqual(['https://a.example/', 'https://b.example/']);
    expect(world.on('retry.0')[0].headers).toMatchObject({ 'channel-id': channelB.id, reason: 'timeout' });
    expect(world.rows).toEqual([expect.objectContaining({ destination: 'primary@222', phoneNumberId: '222', lastError: 'timeout' })]);
  });

  it('retries a slot at its current URL, and keeps the event when the slot is gone', async () => {
    const world = new World();
    world.destinations = [destination(channelA, 'primary', 'https://new.example/')];
    const ticket: RetryTicket = { event: inbound(), attempt: 3, slot: 'primary', scope: 'slot', channelId: channelA.id, dueAt: NOW, reason: 'timeout' };
    await world.service().deliverRetry(ticket);
    expect(world.posted.map((request) => request.url)).toEqual(['https://new.example/']);
    expect(world.posted[0].headers['webhook-id']).toBe('evt_1');

    await world.service().deliverRetry({ ...ticket, slot: 'crm' });
    expect(world.posted).toHaveLength(1);
    expect(world.on('retry.1')[0].headers).toMatchObject({ destination: 'crm', attempt: '4', reason: 'no_binding', scope: 'slot' });
  });

  it('disables a destination that answers 410 and does not retry it', async () => {
    const world = new World();
    world.destinations = [destination(channelA, 'primary', 'https://gone.example/')];
    world.answers.set('https://gone.example/', { kind: 'response', statusCode: 410, retryAfter: null, latencyMs: 2 });
    await world.service().deliverFresh(inbound());
    expect(world.disabled).toEqual(['dest-111-primary']);
    expect(world.forgotten).toEqual([channelA.id]);
    expect(world.on('retry.0')).toHaveLength(0);
    expect(world.rows).toEqual([expect.objectContaining({ state: 'disabled', lastStatusCode: 410 })]);
    expect(world.outcomes()[0]).toMatchObject({ state: 'disabled', status_code: 410 });
  });

  it('dead-letters when the window is over, with the original bytes', async () => {
    const world = new World();
    world.destinations = [destination(channelA, 'primary', 'https://down.example/')];
    world.answers.set('https://down.example/', { kind: 'response', statusCode: 503, retryAfter: null, latencyMs: 2 });
    const event = inbound();
    await world.service(12_000).deliverRetry({ event, attempt: 4, slot: 'primary', scope: 'slot', channelId: channelA.id, dueAt: NOW, reason: 'http_status' });
    const [dead] = world.on('dead');
    expect(dead.value).toBe(event.value);
    expect(dead.headers).toMatchObject({ 'event-id': 'evt_1', attempts: '4', 'last-error': 'http_status', destination: 'primary' });
    expect(world.rows).toEqual([expect.objectContaining({ state: 'dead', attempts: 4, nextAttemptAt: null })]);
    expect(world.outcomes()[0]).toMatchObject({ state: 'dead', next_attempt_at: null });
  });

  it('fails (the record is handled again) when a retry cannot be made durable', async () => {
    const world = new World();
    world.destinations = [destination(channelA, 'primary', 'https://down.example/'), destination(channelA, 'crm', 'https://ok.example/')];
    world.answers.set('https://down.example/', { kind: 'error', errorClass: 'network', latencyMs: 1 });
    world.failingTopics.add('retry.0');
    await expect(world.service().deliverFresh(inbound())).rejects.toThrow('kafka down');
    // the sibling attempt still ran to completion before the failure was reported
    expect(world.posted).toHaveLength(2);
  });

  it('does not fail an event because its outcome record could not be published', async () => {
    const world = new World();
    world.destinations = [destination(channelA, 'primary', 'https://a.example/')];
    world.failingTopics.add('deliveries');
    await expect(world.service().deliverFresh(inbound())).resolves.toBeUndefined();
  });
});
