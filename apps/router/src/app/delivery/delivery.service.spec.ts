import { assertDeliveryAttemptEvent, slotDestination, type DeliveryAttemptEvent } from '@wabridge/contracts';
import { destinationClassOf } from '../metrics/attempt-span';
import type { OutgoingRecord } from '@wabridge/kafka';
import type { BindingRepository, BoundChannel, BoundDestination } from '../bindings/binding.repository';
import type { AttemptResult, DeliveryRequest } from '@wabridge/webhook-delivery';
import type { DeliveryRepository, DeliveryRow } from './delivery.repository';
import { CircuitBreakers } from './circuit-breaker';
import type { StatsSample } from '../metrics/delivery-stats';
import { AttemptService } from './attempt.service';
import { DeliveryService } from './delivery.service';
import { OutcomeService, type DeliveryLogger, type RecordProducer } from './outcome.service';
import { OrderedDeliveryService } from '../ordered/ordered-delivery.service';
import type { OrderedParkingRepository, ParkInput } from '../ordered/ordered-parking.repository';
import { OrderedSequencer } from '../ordered/ordered-sequencer';
import type { InboundEvent, RetryTicket } from '../records/event-records';
import { retryPolicy } from './retry-policy';

const NOW = new Date('2025-01-01T00:00:10Z');
const topics = { deliveries: 'deliveries', dead: 'dead' };
const retryTopics = ['retry.0', 'retry.1'];

const channelA: BoundChannel = { id: '00000000-0000-4000-8000-00000000000a', phoneNumberId: '111', wabaId: 'W1' };
const channelB: BoundChannel = { id: '00000000-0000-4000-8000-00000000000b', phoneNumberId: '222', wabaId: 'W1' };

function destination(channel: BoundChannel, slot: string, url: string): BoundDestination {
  return { id: `dest-${channel.phoneNumberId}-${slot}`, channelId: channel.id, slot, url, headers: {}, signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', appSecret: null, ordered: false };
}

function inbound(overrides: Partial<InboundEvent> = {}): InboundEvent {
  return {
    eventId: 'evt_1',
    receivedAt: new Date('2025-01-01T00:00:00Z'),
    phoneNumberId: '111',
    wabaId: 'W1',
    key: '111',
    value: Buffer.from('{"object":"whatsapp_business_account"}'),
    headers: { 'event-id': 'evt_1', 'received-at': '2025-01-01T00:00:00.000Z', 'phone-number-id': '111', 'waba-id': 'W1' },
    ...overrides,
  };
}

class World {
  channels: BoundChannel[] = [channelA, channelB];
  destinations: BoundDestination[] = [];
  answers = new Map<string, AttemptResult>();
  readonly posted: DeliveryRequest[] = [];
  readonly sent: { topic: string; record: OutgoingRecord }[] = [];
  readonly rows: DeliveryRow[] = [];
  readonly disabled: string[] = [];
  readonly forgotten: string[] = [];
  failingTopics = new Set<string>();
  breakers: CircuitBreakers | undefined;
  readonly samples: StatsSample[] = [];
  /** ordered pairs (`channel/slot`) currently parked, and what was written to the parking lane */
  readonly parkedPairs = new Set<string>();
  readonly parked: { pair: string; eventId: string; input: ParkInput }[] = [];
  readonly heads: { pair: string; seq: bigint; attempt: number; dueAt: Date }[] = [];

  service(windowMs = 3_600_000): DeliveryService {
    return this.build(windowMs).delivery;
  }

  ordered(windowMs = 3_600_000): OrderedDeliveryService {
    return this.build(windowMs).ordered;
  }

  private build(windowMs: number): { delivery: DeliveryService; ordered: OrderedDeliveryService } {
    const config = { topics, retryTopics, retry: retryPolicy([5000, 60_000], windowMs, 1) };
    const bindings: Pick<BindingRepository, 'channelByPhone' | 'channelById' | 'channelsByWaba' | 'destinationsOf' | 'forgetDestinations'> = {
      channelByPhone: (phone) => Promise.resolve(this.channels.find((c) => c.phoneNumberId === phone) ?? null),
      channelById: (id) => Promise.resolve(this.channels.find((c) => c.id === id) ?? null),
      channelsByWaba: (waba) => Promise.resolve(this.channels.filter((c) => c.wabaId === waba)),
      destinationsOf: (id) => Promise.resolve(this.destinations.filter((d) => d.channelId === id)),
      forgetDestinations: (id) => void this.forgotten.push(id),
    };
    const http = {
      post: (request: DeliveryRequest): Promise<AttemptResult> => {
        this.posted.push(request);
        return Promise.resolve(this.answers.get(request.url) ?? { kind: 'response', statusCode: 200, retryAfter: null, latencyMs: 3 });
      },
    };
    const store: Pick<DeliveryRepository, 'record' | 'disableDestination'> = {
      record: (row) => Promise.resolve(void this.rows.push(row)),
      disableDestination: (id) => Promise.resolve((this.disabled.push(id), true)),
    };
    const producer: RecordProducer = {
      send: (topic, records) => {
        if (this.failingTopics.has(topic)) return Promise.reject(new Error('kafka down'));
        for (const record of records) this.sent.push({ topic, record });
        return Promise.resolve();
      },
    };
    const logger: DeliveryLogger = { setContext: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const clock = () => NOW;
    const stats = { observe: (sample: StatsSample) => void this.samples.push(sample) };
    const parking: Pick<OrderedParkingRepository, 'appendIfParked' | 'park' | 'scheduleHead'> = {
      appendIfParked: (pair, event, input) => {
        const key = `${pair.channelId}/${pair.slot}`;
        if (!this.parkedPairs.has(key)) return Promise.resolve(false);
        this.parked.push({ pair: key, eventId: event.eventId, input });
        return Promise.resolve(true);
      },
      park: (pair, event, input) => {
        const key = `${pair.channelId}/${pair.slot}`;
        this.parkedPairs.add(key);
        this.parked.push({ pair: key, eventId: event.eventId, input });
        return Promise.resolve();
      },
      scheduleHead: (pair, seq, attempt, dueAt) =>
        Promise.resolve(void this.heads.push({ pair: `${pair.channelId}/${pair.slot}`, seq, attempt, dueAt })),
    };
    const outcomes = new OutcomeService(config, producer, store, logger);
    const attempts = new AttemptService(config, bindings, http, store, producer, outcomes, logger, this.breakers, stats, clock, () => 0.5);
    const ordered = new OrderedDeliveryService(new OrderedSequencer(), parking, bindings, attempts, outcomes, clock);
    return { delivery: new DeliveryService(bindings, attempts, ordered), ordered };
  }

  on(topic: string): OutgoingRecord[] {
    return this.sent.filter((item) => item.topic === topic).map((item) => item.record);
  }

  outcomes(): DeliveryAttemptEvent[] {
    return this.on('deliveries').map((record) => assertDeliveryAttemptEvent(JSON.parse(String(record.value))));
  }
}

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
    const ticket: RetryTicket = { event: messages('evt_in', { messages: [{ id: 'wamid.1' }] }), attempt: 2, slot: 'analytics', scope: 'slot', channelId: channelA.id, dueAt: NOW, reason: 'timeout' };
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

  it('delivers to every partner slot, and retries a slot\'s `primary` to that slot only', async () => {
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
    const ticket: RetryTicket = { event: inbound({ headers: kept.headers ?? {} }), attempt: 2, slot: 'primary', scope: 'channel', channelId: channelA.id, dueAt: NOW, reason: 'no_binding' };
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
      await Promise.all(
        ['evt_a', 'evt_b', 'evt_c'].map((eventId, i) => service.deliverFresh(inbound({ eventId }), { partition: 0, offset: String(i) })),
      );
      expect(world.posted.map((request) => request.headers['webhook-id'])).toEqual(['evt_a', 'evt_b', 'evt_c']);
    });

    it('a parked head that fails again stays the head, with its next attempt stored', async () => {
      const world = new World();
      world.destinations = [orderedDestination('https://down.example/')];
      world.answers.set('https://down.example/', { kind: 'error', errorClass: 'timeout', latencyMs: 5000 });
      const result = await world.ordered().deliverParked({ event: inbound(), pair: { channelId: channelA.id, slot: 'primary' }, seq: 3n, attempt: 2, dueAt: null });
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
      const result = await world.ordered().deliverParked({ event: inbound(), pair: { channelId: channelA.id, slot: 'primary' }, seq: 1n, attempt: 2, dueAt: null });
      expect(result.retryAt).toBeInstanceOf(Date);
      expect(world.rows).toEqual([expect.objectContaining({ state: 'retry_scheduled', lastError: 'no_binding' })]);
    });
  });
});
