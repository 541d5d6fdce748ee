import { randomBytes } from 'node:crypto';
import { ConsumerRunner, createKafka, type ConsumedRecord } from '@wabridge/kafka';
import { testInfra } from './test-infra';
import { waitFor } from './wait-for';

/** Reads a topic from the beginning into memory, for tests that assert on what Kafka holds. */
export class TopicCollector {
  readonly records: ConsumedRecord[] = [];

  private constructor(private readonly runner: ConsumerRunner) {}

  static async start(topic: string, brokers = testInfra().kafkaBrokers): Promise<TopicCollector> {
    let collector: TopicCollector | undefined;
    const runner = new ConsumerRunner(createKafka({ brokers: brokers.split(','), clientId: 'wabridge-test-collector' }), {
      groupId: `test-collector-${randomBytes(6).toString('hex')}`,
      topics: [topic],
      fromBeginning: true,
      handler: (records, context) => {
        collector?.records.push(...records);
        for (const record of records) context.resolveOffset(record.offset);
        return Promise.resolve();
      },
    });
    collector = new TopicCollector(runner);
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

  async stop(): Promise<void> {
    await this.runner.stop();
  }
}
