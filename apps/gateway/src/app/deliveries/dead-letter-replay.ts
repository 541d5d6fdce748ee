import { randomBytes } from 'node:crypto';
import { DeadLetterHeaders, WebhookHeaders } from '@wabridge/contracts';
import { ConsumerRunner, type ConsumedRecord, type KafkaClient, type OutgoingRecord } from '@wabridge/kafka';

/** The router adds the channel's id to a dead letter when it knows it (router event-records.ts). */
export const DEAD_LETTER_CHANNEL_HEADER = 'channel-id';

/** Router-added headers on a dead letter that are not part of the original event. */
const DEAD_ONLY_HEADERS: readonly string[] = [
  DeadLetterHeaders.destination,
  DeadLetterHeaders.attempts,
  DeadLetterHeaders.lastError,
  DeadLetterHeaders.deadAt,
  DEAD_LETTER_CHANNEL_HEADER,
];

export type DeadLetterSelector = (record: ConsumedRecord) => boolean;

/**
 * The webhook record to publish again: the original bytes, key and headers, minus what the router
 * added when it gave up, and a fresh `received-at` so the replayed event gets a whole retry window
 * (the original one is over, that is why it is dead).
 */
export function replayRecord(letter: ConsumedRecord, now: Date): OutgoingRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(letter.headers)) {
    if (!DEAD_ONLY_HEADERS.includes(name)) headers[name] = value;
  }
  headers[WebhookHeaders.receivedAt] = now.toISOString();
  return { key: letter.key, value: letter.value, headers };
}

/** One record per event id (an event dead for two destinations, or dead twice, is replayed once). */
export function latestPerEvent(letters: ConsumedRecord[]): ConsumedRecord[] {
  const byEvent = new Map<string, ConsumedRecord>();
  for (const letter of letters) {
    const eventId = letter.headers[DeadLetterHeaders.eventId];
    if (eventId) byEvent.set(eventId, letter);
  }
  return [...byEvent.values()];
}

export interface TopicSliceOptions {
  topic: string;
  groupPrefix: string;
  select: DeadLetterSelector;
  timeoutMs: number;
  /** start at the first record produced at or after this time (default: the beginning) */
  fromTime?: Date;
  /** stop before the first record produced at or after this time (default: the end as of the call) */
  untilTime?: Date;
  /** stop as soon as this says so, after any batch (everything wanted was found) */
  stopWhen?: (picked: readonly ConsumedRecord[]) => boolean;
}

/**
 * Reads a topic, or the slice of it produced between two times, up to its end offsets as of the
 * call, with a throw-away consumer group, and returns the records the selector picks. The
 * dead-letter topic is read whole (dead letters are rare, so a full read per replay is cheap
 * enough, and the topic stays the single source of the bytes); the webhooks topic only over a window.
 */
export async function readTopicSlice(kafka: KafkaClient, options: TopicSliceOptions): Promise<ConsumedRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  if (!(await admin.listTopics()).includes(options.topic)) {
    // nothing was ever written to it in this deployment
    await admin.disconnect();
    return [];
  }
  const groupId = `${options.groupPrefix}wabridge-gateway-replay-${randomBytes(6).toString('hex')}`;
  try {
    const offsets = await admin.fetchTopicOffsets(options.topic);
    const starts = new Map(offsets.map((partition) => [partition.partition, BigInt(partition.low)]));
    const ends = new Map(offsets.map((partition) => [partition.partition, BigInt(partition.high)]));
    if (options.fromTime) {
      for (const { partition, offset } of await admin.fetchTopicOffsetsByTimestamp(options.topic, options.fromTime.getTime())) {
        starts.set(partition, BigInt(offset) > (starts.get(partition) ?? 0n) ? BigInt(offset) : (starts.get(partition) ?? 0n));
      }
    }
    if (options.untilTime) {
      for (const { partition, offset } of await admin.fetchTopicOffsetsByTimestamp(options.topic, options.untilTime.getTime())) {
        if (BigInt(offset) < (ends.get(partition) ?? 0n)) ends.set(partition, BigInt(offset));
      }
    }
    // the last offset to read per partition; empty slices need nothing
    const remaining = new Map<number, bigint>();
    for (const [partition, end] of ends) {
      if (end > (starts.get(partition) ?? 0n)) remaining.set(partition, end - 1n);
    }
    if (remaining.size === 0) return [];
    if (options.fromTime) {
      // the fresh group starts where the slice starts
      await admin.setOffsets({
        groupId,
        topic: options.topic,
        partitions: [...remaining.keys()].map((partition) => ({ partition, offset: String(starts.get(partition) ?? 0n) })),
      });
    }
    const picked: ConsumedRecord[] = [];
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const runner = new ConsumerRunner(kafka, {
      groupId,
      topics: [options.topic],
      fromBeginning: true,
      handler: (records, context) => {
        for (const record of records) {
          const last = remaining.get(record.partition);
          if (last === undefined || BigInt(record.offset) > last) continue;
          if (options.select(record)) picked.push(record);
          if (BigInt(record.offset) === last) remaining.delete(record.partition);
        }
        context.resolveOffset(records[records.length - 1].offset);
        if (remaining.size === 0 || options.stopWhen?.(picked)) done();
        return Promise.resolve();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await runner.start();
      await Promise.race([
        finished,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${options.topic} could not be read in time`)), options.timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      await runner.stop();
    }
    return picked;
  } finally {
    // the group was for this read only
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
