import { randomBytes } from 'node:crypto';
import { ConsumerRunner, createKafka, type ConsumedRecord } from '@wabridge/kafka';
import { testInfra } from './test-infra';
import { waitFor } from './wait-for';

/** Reads a topic from the beginning into memory, for tests that assert on what Kafka holds. */
export class TopicCollector {
  private constructor(
    private readonly runner: ConsumerRunner,
    readonly records: ConsumedRecord[],
  ) {}

  static async start(topic: string, brokers = testInfra().kafkaBrokers): Promise<TopicCollector> {
    const received: ConsumedRecord[] = [];
    const runner = new ConsumerRunner(createKafka({ brokers: brokers.split(','), clientId: 'wabridge-test-collector' }), {
      groupId: `test-collector-${randomBytes(6).toString('hex')}`,
      topics: [topic],
      fromBeginning: true,
      handler: (batch, context) => {
        received.push(...batch);
        for (const record of batch) context.resolveOffset(record.offset);
        return Promise.resolve();
      },
    });
    const collector = new TopicCollector(runner, received);
    await runner.start();
    return collector;
  }

  /** Waits until `count` records (matching the filter, if any) arrived. */
  async waitForCount(count: number, filter?: (record: ConsumedRecord) => boolean, timeoutMs = 20000): Promise<ConsumedRecord[]> {
    return waitFor(
      () => {
        const matching = filter ? this.records.filter(filter) : this.records;
        return matching.length >= count ? matching : undefined;
      },
      { timeoutMs, what: `${count} record(s)` },
    );
  }

  /** The JSON values of the records matching `filter`, once there are at least `count` of them. */
  async waitForValues<T>(count: number, filter: (value: T, record: ConsumedRecord) => boolean, what: string): Promise<{ value: T; record: ConsumedRecord }[]> {
    return waitFor(
      () => {
        const matching = this.records
          .map((record) => ({ record, value: JSON.parse(record.value?.toString('utf8') ?? 'null') as T }))
          .filter(({ value, record }) => filter(value, record));
        return matching.length >= count ? matching : undefined;
      },
      { timeoutMs: 15000, what },
    );
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }
}
