// A consumer group member that kafkajs gives up on, or that never comes back after its broker died, is replaced by
// the runner (member-watchdog.ts): nothing would consume that group on this instance again otherwise, while its
// service kept answering its health checks. Against real brokers: the shared one, and one of its own to SIGKILL.
import { randomBytes } from 'node:crypto';
import { metricsRegistry } from '@wabridge/observability';
import { BatchingProducer, ConsumerLagMonitor, ConsumerRunner, createKafka, ensureTopics, type BatchContext, type ConsumedRecord } from '@wabridge/kafka';
import { RestartableKafka } from '@wabridge/testing';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(50);
  return condition();
}

async function produce(brokers: string[], topic: string, values: string[]): Promise<void> {
  const producer = new BatchingProducer(createKafka({ brokers, clientId: 'consumer-runner-recovery-producer' }));
  await producer.connect();
  try {
    await producer.send(
      topic,
      values.map((value) => ({ key: 'k', value, partition: 0 })),
    );
  } finally {
    await producer.disconnect();
  }
}

/** Hands each record's value to `take` and resolves it. */
function takeEach(records: ConsumedRecord[], context: BatchContext, take: (value: string) => void): Promise<void> {
  for (const record of records) {
    take(String(record.value));
    context.resolveOffset(record.offset);
  }
  return Promise.resolve();
}

describe('ConsumerRunner: a member kafkajs does not bring back is replaced', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });

  it('consumes again within seconds after a handler error kafkajs treats as fatal, and is not healthy in between', async () => {
    const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
    const kafka = createKafka({ brokers, clientId: 'consumer-runner-recovery-e2e' });
    const topic = `runner-recovery-${randomBytes(4).toString('hex')}`;
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    await produce(brokers, topic, ['first']);

    const handled: string[] = [];
    let thrown = false;
    const runner = new ConsumerRunner(kafka, {
      groupId: `${topic}-group`,
      topics: [topic],
      // the default rejoin deadline (30 s) is not what brings it back: the runner replaces a crashed member at once
      handler: (records: ConsumedRecord[], context) => {
        for (const record of records) {
          if (!thrown) {
            thrown = true;
            // a TypeError is not retriable to kafkajs: it crashes the member with restart: false, for good
            throw new TypeError('handler bug');
          }
          handled.push(String(record.value));
          context.resolveOffset(record.offset);
        }
        return Promise.resolve();
      },
    });
    await runner.start();
    cleanup.push(() => runner.stop());

    expect(await until(() => thrown && !runner.isHealthy, 20_000)).toBe(true);
    // the record whose handler failed was never resolved: the replacement fetches it again, and what follows
    expect(await until(() => handled.includes('first'), 15_000)).toBe(true);
    expect(runner.isHealthy).toBe(true);
    // operators see it on /metrics (an alert fires when a group keeps replacing its member)
    expect(await metricsRegistry.metrics()).toContain(`wabridge_kafka_consumer_replacements_total{group="${topic}-group",reason="crashed"} 1`);
    await produce(brokers, topic, ['second']);
    expect(await until(() => handled.includes('second'), 20_000)).toBe(true);
    expect(handled).toEqual(['first', 'second']);
  }, 90_000);

  it('replaces a member whose fetch loop runs but that starts no batch call while records wait for it', async () => {
    const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
    const kafka = createKafka({ brokers, clientId: 'consumer-runner-progress-e2e' });
    const topic = `runner-progress-${randomBytes(4).toString('hex')}`;
    const groupId = `${topic}-group`;
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    const lag = new ConsumerLagMonitor(kafka, [{ groupId, topics: [topic] }], { cacheMs: 0 });
    cleanup.push(() => lag.stop());

    const handled: string[] = [];
    let paused = false;
    const runner = new ConsumerRunner(kafka, {
      groupId,
      topics: [topic],
      stallMs: 3000,
      lagOf: () => lag.fresh(),
      handler: (records: ConsumedRecord[], context) => {
        if (!paused) {
          // as a member that lost track of its partition: paused for good, its fetch loop still going
          paused = true;
          context.pause();
          return Promise.resolve();
        }
        return takeEach(records, context, (value) => handled.push(value));
      },
    });
    await runner.start();
    cleanup.push(() => runner.stop());
    await produce(brokers, topic, ['waiting']);
    expect(await until(() => paused, 20_000)).toBe(true);
    expect(await until(() => handled.includes('waiting'), 30_000)).toBe(true);
    expect(runner.isHealthy).toBe(true);
  }, 90_000);

  it('consumes everything produced after its broker was SIGKILLed for 10 s and started again', async () => {
    const broker = await RestartableKafka.start();
    cleanup.push(() => broker.stop());
    const kafka = createKafka({ brokers: broker.brokers, clientId: 'consumer-runner-recovery-kill-e2e' });
    const topic = `runner-kill-${randomBytes(4).toString('hex')}`;
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);

    const handled = new Set<string>();
    const runner = new ConsumerRunner(kafka, {
      groupId: `${topic}-group`,
      topics: [topic],
      handler: (records, context) => takeEach(records, context, (value) => handled.add(value)),
    });
    await runner.start();
    cleanup.push(() => runner.stop());
    await produce(broker.brokers, topic, ['before']);
    expect(await until(() => handled.has('before'), 20_000)).toBe(true);

    await broker.kill();
    expect(await until(() => !runner.isHealthy, 20_000)).toBe(true);
    await sleep(10_000);
    await broker.startAgain();

    const after = Array.from({ length: 20 }, (_, i) => `after ${i}`);
    await produce(broker.brokers, topic, after);
    expect(await until(() => after.every((value) => handled.has(value)), 60_000)).toBe(true);
    expect(runner.isHealthy).toBe(true);
  }, 180_000);

  it('answers no fresh lags while its broker is SIGKILLed, the last ones on /metrics, and fresh ones once the broker is back', async () => {
    const broker = await RestartableKafka.start();
    const own = createKafka({ brokers: broker.brokers, clientId: 'consumer-lag-kill-e2e' });
    const killed = `lag-kill-${randomBytes(4).toString('hex')}`;
    const group = `${killed}-group`;
    const monitor = new ConsumerLagMonitor(own, [{ groupId: group, topics: [killed] }], { cacheMs: 0, timeoutMs: 2000 });
    try {
      await ensureTopics(own, [{ topic: killed, numPartitions: 1 }]);
      await produce(broker.brokers, killed, ['1', '2']);
      expect(await monitor.fresh()).toEqual([{ group, topic: killed, partition: 0, lag: 2 }]);

      await broker.kill();
      // a decision must not rest on an answer from before the outage; the gauge keeps the last one
      expect(await monitor.fresh()).toBeUndefined();
      expect(await monitor.lags()).toEqual([{ group, topic: killed, partition: 0, lag: 2 }]);

      await broker.startAgain();
      await produce(broker.brokers, killed, ['3', '4', '5']);
      const deadline = Date.now() + 60_000;
      let lag: number | undefined;
      while (lag !== 5 && Date.now() < deadline) {
        lag = (await monitor.fresh())?.[0]?.lag;
        if (lag !== 5) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(lag).toBe(5);
    } finally {
      await monitor.stop();
      await broker.stop();
    }
  }, 120_000);
});
