import { randomBytes } from 'node:crypto';
import { ConsumerRunner, type ConsumedRecord } from './consumer-runner';
import type { KafkaClient } from './kafka-client';

export interface TopicRangeOptions {
  topic: string;
  /** the throw-away consumer group's name before a random suffix */
  groupPrefix: string;
  /** which records to return */
  select: (record: ConsumedRecord) => boolean;
  timeoutMs: number;
  /** start at the first record produced at or after this time (default: the beginning) */
  fromTime?: Date;
  /** stop before the first record produced at or after this time (default: the end as of the call) */
  untilTime?: Date;
  /** stop as soon as this says so, after any batch (everything wanted was found) */
  stopWhen?: (picked: readonly ConsumedRecord[]) => boolean;
}

/**
 * Reads a topic, or the range of it produced between two times, up to its end offsets as of the
 * call, with a throw-away consumer group (deleted afterwards), and returns the records the selector
 * picks. An absent topic reads as empty.
 */
export async function readTopicRange(kafka: KafkaClient, options: TopicRangeOptions): Promise<ConsumedRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  if (!(await admin.listTopics()).includes(options.topic)) {
    // nothing was ever written to it in this deployment
    await admin.disconnect();
    return [];
  }
  const groupId = `${options.groupPrefix}${randomBytes(6).toString('hex')}`;
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
    // the last offset to read per partition; empty ranges need nothing
    const remaining = new Map<number, bigint>();
    for (const [partition, end] of ends) {
      if (end > (starts.get(partition) ?? 0n)) remaining.set(partition, end - 1n);
    }
    if (remaining.size === 0) return [];
    if (options.fromTime) {
      // the fresh group starts where the range starts
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
