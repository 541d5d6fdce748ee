// Specs only (delivery.service.spec.ts, ordered-delivery.service.spec.ts): never imported by the app.
import { assertDeliveryAttemptEvent, type DeliveryAttemptEvent } from '@wabridge/contracts';
import type { OutgoingRecord } from '@wabridge/kafka';
import type { BindingRepository, BoundChannel, BoundDestination } from '../bindings/binding.repository';
import type { AttemptResult, DeliveryRequest } from '@wabridge/webhook-delivery';
import type { DeliveryRepository, DeliveryRow } from './delivery.repository';
import type { CircuitBreakers } from './circuit-breaker';
import type { StatsSample } from '../metrics/delivery-stats';
import { AttemptService } from './attempt.service';
import { DeliveryService } from './delivery.service';
import { OutcomeService, type DeliveryLogger, type RecordProducer } from './outcome.service';
import { OrderedDeliveryService } from '../ordered/ordered-delivery.service';
import type { OrderedParkingRepository, ParkInput } from '../ordered/ordered-parking.repository';
import { OrderedSequencer } from '../ordered/ordered-sequencer';
import type { InboundEvent } from '../records/event-records';
import { retryPolicy } from './retry-policy';

export const NOW = new Date('2025-01-01T00:00:10Z');
const topics = { deliveries: 'deliveries', dead: 'dead' };
const retryTopics = ['retry.0', 'retry.1'];

export const channelA: BoundChannel = { id: '00000000-0000-4000-8000-00000000000a', phoneNumberId: '111', wabaId: 'W1' };
export const channelB: BoundChannel = { id: '00000000-0000-4000-8000-00000000000b', phoneNumberId: '222', wabaId: 'W1' };

export function destination(channel: BoundChannel, slot: string, url: string): BoundDestination {
  return {
    id: `dest-${channel.phoneNumberId}-${slot}`,
    channelId: channel.id,
    slot,
    url,
    headers: {},
    signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    appSecret: null,
    ordered: false,
  };
}

export function inbound(overrides: Partial<InboundEvent> = {}): InboundEvent {
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

/** The delivery path's collaborators as in-memory fakes: what was posted, sent, recorded and parked. */
export class World {
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
    const logger: DeliveryLogger = {
      setContext: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    };
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
      scheduleHead: (pair, seq, attempt, dueAt) => Promise.resolve(void this.heads.push({ pair: `${pair.channelId}/${pair.slot}`, seq, attempt, dueAt })),
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
