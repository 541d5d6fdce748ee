import { randomBytes } from 'node:crypto';
import { BatchingProducer, ConsumerRunner, createKafka, ensureTopics, type BatchContext } from '../src';

/**
 * BatchContext.commit against the real broker: late completions (records finished after their batch
 * call returned) each ask for a commit; the runner coalesces them into a few OffsetCommit requests
 * and the group ends up at the highest offset asked for.
 */
describe('ConsumerRunner: commits of late completions coalesce', () => {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
  const kafka = createKafka({ brokers, clientId: 'consumer-runner-e2e' });
  const topic = `runner-e2e-${randomBytes(4).toString('hex')}`;
  const groupId = `${topic}-group`;

  async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('turns 200 commit calls into a handful of OffsetCommit requests ending at the last offset', async () => {
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    const producer = new BatchingProducer(kafka);
    await producer.connect();
    await producer.send(
      topic,
      Array.from({ length: 200 }, (_, i) => ({ key: 'k', value: `record ${i}`, partition: 0 })),
    );
    await producer.disconnect();

    let context: BatchContext | undefined;
    let seen = 0;
    let commitRequests = 0;
    const runner = new ConsumerRunner(kafka, {
      groupId,
      topics: [topic],
      // kafkajs itself commits nothing: what the group ends at is what BatchContext.commit committed
      autoCommit: false,
      handler: (records, batchContext) => {
        context = batchContext;
        seen += records.length;
        return Promise.resolve();
      },
      onCommit: () => void (commitRequests += 1),
    });
    await runner.start();
    try {
      const batch = await until(() => (seen >= 200 ? context : undefined), 'the records to be fetched');
      const commits = Array.from({ length: 200 }, (_, offset) => batch.commit(String(offset)));
      await Promise.all(commits);
      expect(commitRequests).toBeGreaterThan(0);
      expect(commitRequests).toBeLessThanOrEqual(3);

      const admin = kafka.admin();
      await admin.connect();
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      await admin.disconnect();
      expect(committed.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '200' })]);
    } finally {
      await runner.stop();
    }
  }, 60_000);
});
