import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startKafka, type KafkaBroker } from '@wabridge/local-infra';
import { metricsRegistry } from '@wabridge/observability';
import { BatchingProducer, ConsumerLagMonitor, createKafka, ensureTopics, reportConsumerLagOf, stopReportingConsumerLagOf } from '../src';

/** Consumer lag per group and partition, from the broker's committed and end offsets, on /metrics. */
describe('ConsumerLagMonitor against the real broker', () => {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
  const kafka = createKafka({ brokers, clientId: 'consumer-lag-e2e' });
  const topic = `lag-e2e-${randomBytes(4).toString('hex')}`;
  const groupId = `${topic}-group`;
  const idleGroup = `${topic}-idle`;

  it('reports end offset minus committed offset per partition, everything retained for a group that committed nothing', async () => {
    await ensureTopics(kafka, [{ topic, numPartitions: 2 }]);
    const producer = new BatchingProducer(kafka);
    await producer.connect();
    await producer.send(topic, [
      ...Array.from({ length: 5 }, (_, i) => ({ key: 'a', value: `p0 ${i}`, partition: 0 })),
      ...Array.from({ length: 3 }, (_, i) => ({ key: 'b', value: `p1 ${i}`, partition: 1 })),
    ]);
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({
      groupId,
      topic,
      partitions: [
        { partition: 0, offset: '2' },
        { partition: 1, offset: '3' },
      ],
    });
    await admin.disconnect();

    const monitor = new ConsumerLagMonitor(kafka, [
      { groupId, topics: [topic] },
      { groupId: idleGroup, topics: [topic] },
    ]);
    try {
      const lags = await monitor.lags();
      expect(lags.sort((a, b) => a.group.localeCompare(b.group) || a.partition - b.partition)).toEqual([
        { group: groupId, topic, partition: 0, lag: 3 },
        { group: groupId, topic, partition: 1, lag: 0 },
        { group: idleGroup, topic, partition: 0, lag: 5 },
        { group: idleGroup, topic, partition: 1, lag: 3 },
      ]);
      reportConsumerLagOf(monitor);
      const page = await metricsRegistry.metrics();
      expect(page).toContain(`wabridge_kafka_consumer_lag{group="${groupId}",topic="${topic}",partition="0"} 3`);
      expect(page).toContain(`wabridge_kafka_consumer_lag{group="${idleGroup}",topic="${topic}",partition="1"} 3`);
    } finally {
      stopReportingConsumerLagOf(monitor);
      await monitor.stop();
    }
  });

  it('answers no fresh lags while its broker is SIGKILLed, the last ones on /metrics, and fresh ones once the broker is back', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wabridge-lag-kill-'));
    const port = await freePort();
    let broker: KafkaBroker = await startKafka({ dataDir, port });
    const own = createKafka({ brokers: broker.brokers, clientId: 'consumer-lag-kill-e2e' });
    const killed = `lag-kill-${randomBytes(4).toString('hex')}`;
    const group = `${killed}-group`;
    const produce = async (count: number) => {
      const producer = new BatchingProducer(createKafka({ brokers: broker.brokers, clientId: 'consumer-lag-kill-producer' }));
      await producer.connect();
      await producer.send(
        killed,
        Array.from({ length: count }, (_, i) => ({ key: 'k', value: `v ${i}`, partition: 0 })),
      );
      await producer.disconnect();
    };
    const monitor = new ConsumerLagMonitor(own, [{ groupId: group, topics: [killed] }], { cacheMs: 0, timeoutMs: 2000 });
    try {
      await ensureTopics(own, [{ topic: killed, numPartitions: 1 }]);
      await produce(2);
      expect(await monitor.fresh()).toEqual([{ group, topic: killed, partition: 0, lag: 2 }]);

      process.kill(broker.pid, 'SIGKILL');
      await broker.stop();
      // a decision must not rest on an answer from before the outage; the gauge keeps the last one
      expect(await monitor.fresh()).toBeUndefined();
      expect(await monitor.lags()).toEqual([{ group, topic: killed, partition: 0, lag: 2 }]);

      broker = await startKafka({ dataDir, port });
      await produce(3);
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
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
