// An internal team's consumer of whatsapp.webhooks.v1, with kafkajs only: read the documented record headers, skip
// what was already seen by `event-id`, and hand each change to your code once. See README.md next to this file and
// docs/events.md / docs/asyncapi.yaml for the contract.
//
//   KAFKA_BROKERS=localhost:9092 GROUP_ID=analytics node tools/node.cjs examples/webhooks-consumer/consumer.ts
//
// It prints one JSON line per new event (ids and sizes, never the body) and `{"duplicate": ...}` for a repeat.
import { Kafka, logLevel, type EachMessagePayload } from 'kafkajs';

/** The record headers of whatsapp.webhooks.v1 (docs/events.md). */
export interface WebhookEvent {
  eventId: string;
  receivedAt: string;
  /** absent for account-level changes (their key is `waba:<id>`) */
  phoneNumberId: string | undefined;
  wabaId: string;
  field: string;
  traceparent: string | undefined;
  /** one Meta Cloud API envelope holding exactly one change, as JSON bytes */
  value: Buffer;
  partition: number;
  offset: string;
}

/**
 * Kafka and Meta both deliver at least once, so the same event can arrive twice (a redelivery after a
 * rebalance, Meta re-sending a webhook). Every copy has the same `event-id`. This example remembers
 * the last `capacity` ids in memory; a real consumer keeps them where it writes its results (a unique
 * key on event_id in its own table), so the check survives restarts.
 */
export class SeenEvents {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 100_000) {}

  /** true the first time an id is offered, false for a repeat */
  firstTime(eventId: string): boolean {
    if (this.seen.has(eventId)) return false;
    this.seen.add(eventId);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }
}

function header(payload: EachMessagePayload, name: string): string | undefined {
  const value = payload.message.headers?.[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value[0]?.toString() : value.toString();
}

/** The event a record carries, or a reason it is not one (skip it, it is not ours to fix). */
export function readEvent(payload: EachMessagePayload): WebhookEvent | { invalid: string } {
  const eventId = header(payload, 'event-id');
  const wabaId = header(payload, 'waba-id');
  const field = header(payload, 'field');
  const { value } = payload.message;
  if (!eventId || !wabaId || !field || !value) return { invalid: 'missing event-id, waba-id, field or value' };
  return {
    eventId,
    receivedAt: header(payload, 'received-at') ?? new Date(Number(payload.message.timestamp)).toISOString(),
    phoneNumberId: header(payload, 'phone-number-id'),
    wabaId,
    field,
    traceparent: header(payload, 'traceparent'),
    value,
    partition: payload.partition,
    offset: payload.message.offset,
  };
}

export interface ConsumerOptions {
  brokers: string[];
  groupId: string;
  /** whatsapp.webhooks.v1, behind the deployment's KAFKA_TOPIC_PREFIX if it has one */
  topic: string;
  fromBeginning?: boolean;
  onEvent: (event: WebhookEvent) => Promise<void> | void;
  onDuplicate?: (event: WebhookEvent) => void;
}

/** Starts consuming; resolves with a function that stops the consumer. */
export async function consumeWebhooks(options: ConsumerOptions): Promise<() => Promise<void>> {
  const kafka = new Kafka({ clientId: `example-${options.groupId}`, brokers: options.brokers, logLevel: logLevel.WARN });
  const consumer = kafka.consumer({ groupId: options.groupId });
  const seen = new SeenEvents();
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning ?? true });
  await consumer.run({
    // kafkajs commits an offset only after eachMessage resolved: a crash repeats, never loses, an event
    eachMessage: async (payload) => {
      const event = readEvent(payload);
      if ('invalid' in event) return;
      if (!seen.firstTime(event.eventId)) {
        options.onDuplicate?.(event);
        return;
      }
      await options.onEvent(event);
    },
  });
  return () => consumer.disconnect();
}

async function main(): Promise<void> {
  const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
  const topic = `${process.env.KAFKA_TOPIC_PREFIX ?? ''}whatsapp.webhooks.v1`;
  const groupId = process.env.GROUP_ID ?? 'example-webhooks-consumer';
  const print = (line: object): void => {
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };
  const stop = await consumeWebhooks({
    brokers,
    groupId,
    topic,
    onEvent: (event) =>
      print({
        event_id: event.eventId,
        field: event.field,
        waba_id: event.wabaId,
        phone_number_id: event.phoneNumberId ?? null,
        received_at: event.receivedAt,
        traceparent: event.traceparent ?? null,
        bytes: event.value.length,
      }),
    onDuplicate: (event) => print({ duplicate: event.eventId }),
  });
  print({ ready: topic, group: groupId });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stop().then(() => process.exit(0));
    });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  });
}
