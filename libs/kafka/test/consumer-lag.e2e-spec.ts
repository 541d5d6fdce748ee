import { randomBytes } from 'node:crypto';
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
});
