import { randomBytes } from 'node:crypto';
import { BatchingProducer, COMMIT_RESOLVED_AFTER_MS, ConsumerRunner, createKafka, ensureTopics } from '../src';

/**
 * Against the real broker: what a batch call resolved is committed while the call is still running.
 * kafkajs commits only when a batch call returns, and the router's calls run up to a second while
 * their deliveries finish; a crash in that second handed every one of them to the group again
 * (issue 15). What the group holds while the call runs is what a SIGKILL at that moment would leave.
 */
describe('ConsumerRunner: resolved offsets are committed while the batch call runs', () => {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
  const kafka = createKafka({ brokers, clientId: 'consumer-runner-prompt-commit-e2e' });
  const topic = `runner-prompt-${randomBytes(4).toString('hex')}`;
  const groupId = `${topic}-group`;
  const admin = kafka.admin();

  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  const committed = async (): Promise<number> => {
    const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Number(partitions[0].offset);
  };

  it('commits the resolved offsets within a fraction of a second, and never past the last resolved record', async () => {
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    const producer = new BatchingProducer(kafka);
    await producer.connect();
    await producer.send(
      topic,
      Array.from({ length: 50 }, (_, i) => ({ key: 'k', value: `record ${i}`, partition: 0 })),
    );
    await producer.disconnect();

    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let resolvedUpTo = -1;
    const runner = new ConsumerRunner(kafka, {
      groupId,
      topics: [topic],
      handler: async (records, context) => {
        // records 0..29 finish one after another; 30 never does while the call runs
        for (const record of records) {
          if (Number(record.offset) >= 30) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
          context.resolveOffset(record.offset);
          resolvedUpTo = Number(record.offset);
        }
        // the call is held open, as the router's pipeline holds one while deliveries are in flight
        await released;
      },
    });
    await runner.start();
    try {
      const deadline = Date.now() + 20_000;
      while (resolvedUpTo < 29 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(resolvedUpTo).toBe(29);
      const lastResolvedAt = Date.now();
      // the batch call is still running: only the runner's own commit can have put this in the group
      let seen = await committed();
      while (seen < 30 && Date.now() - lastResolvedAt < 1000) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        seen = await committed();
      }
      expect(seen).toBe(30);
      expect(Date.now() - lastResolvedAt).toBeLessThan(COMMIT_RESOLVED_AFTER_MS + 800);
      // nothing unresolved is committed, however long the call goes on
      await new Promise((resolve) => setTimeout(resolve, 3 * COMMIT_RESOLVED_AFTER_MS));
      expect(await committed()).toBe(30);
    } finally {
      release();
      await runner.stop();
    }
  }, 60_000);
});
