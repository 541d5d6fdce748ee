import type { Kafka, ProducerBatch } from 'kafkajs';
import { BatchingProducer, ProducerTimeoutError } from './batching-producer';

/** A kafkajs stand-in whose produce requests stay open until the test answers them. */
class FakeKafka {
  readonly requests: { batch: ProducerBatch; ack: () => void; fail: (error: Error) => void }[] = [];

  producer() {
    return {
      connect: () => Promise.resolve(),
      disconnect: () => Promise.resolve(),
      sendBatch: (batch: ProducerBatch) => new Promise<void>((resolve, reject) => this.requests.push({ batch, ack: resolve, fail: reject })),
    };
  }

  async nextRequest(index: number) {
    while (this.requests.length <= index) await new Promise((resolve) => setImmediate(resolve));
    return this.requests[index];
  }
}

const record = (value: string) => ({ key: 'k', value });
const valuesOf = (batch: ProducerBatch) => batch.topicMessages?.flatMap((topic) => topic.messages.map((message) => message.value));

describe('BatchingProducer', () => {
  it('sends what arrives while a produce request is in flight together in the next one, acks=all', async () => {
    const kafka = new FakeKafka();
    const producer = new BatchingProducer(kafka as unknown as Kafka, { ackTimeoutMs: 5000 });
    const first = producer.send('t', [record('a')]);
    const firstRequest = await kafka.nextRequest(0);
    const later = [producer.send('t', [record('b')]), producer.send('u', [record('c'), record('d')])];
    expect(kafka.requests).toHaveLength(1);
    firstRequest.ack();
    await first;
    const second = await kafka.nextRequest(1);
    expect(second.batch.acks).toBe(-1);
    expect(second.batch.topicMessages?.map((topic) => topic.topic)).toEqual(['t', 'u']);
    expect(valuesOf(second.batch)).toEqual(['b', 'c', 'd']);
    second.ack();
    await Promise.all(later);
  });

  it('keeps a produce request under the byte bound, so the broker never refuses a batch as too large', async () => {
    const kafka = new FakeKafka();
    const producer = new BatchingProducer(kafka as unknown as Kafka, { ackTimeoutMs: 5000, maxBatchBytes: 4000 });
    const kilobyte = (name: string) => ({ key: 'k', value: name.padEnd(1000, '.') });
    const first = producer.send('t', [kilobyte('a')]);
    const firstRequest = await kafka.nextRequest(0);
    const queued = ['b', 'c', 'd', 'e', 'f', 'g'].map((name) => producer.send('t', [kilobyte(name)]));
    const alone = producer.send('t', [{ key: 'k', value: 'h'.repeat(9000) }]);
    firstRequest.ack();
    await first;
    const second = await kafka.nextRequest(1);
    expect(valuesOf(second.batch)?.map((value) => String(value)[0])).toEqual(['b', 'c', 'd']);
    second.ack();
    const third = await kafka.nextRequest(2);
    expect(valuesOf(third.batch)?.map((value) => String(value)[0])).toEqual(['e', 'f', 'g']);
    third.ack();
    // one send larger than the bound still goes, on its own
    const fourth = await kafka.nextRequest(3);
    expect(valuesOf(fourth.batch)?.map((value) => String(value).length)).toEqual([9000]);
    fourth.ack();
    await Promise.all([...queued, alone]);
  });

  it('rejects every send of a failed produce request', async () => {
    const kafka = new FakeKafka();
    const producer = new BatchingProducer(kafka as unknown as Kafka, { ackTimeoutMs: 5000 });
    const sends = [producer.send('t', [record('a')]), producer.send('t', [record('b')])];
    (await kafka.nextRequest(0)).fail(new Error('broker gone'));
    await Promise.all(sends.map((send) => expect(send).rejects.toThrow('broker gone')));
  });

  it('times out a send the broker does not acknowledge, and drops one that never left the queue', async () => {
    // fake timers stand for the clock (setTimeout and performance.now); setImmediate and promises stay real
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const kafka = new FakeKafka();
      const producer = new BatchingProducer(kafka as unknown as Kafka, { ackTimeoutMs: 50 });
      const settled: string[] = [];
      const inFlight = producer.send('t', [record('a')]);
      const stuck = await kafka.nextRequest(0);
      const queued = producer.send('t', [record('b')]);
      const outcomes = [
        expect(inFlight.finally(() => settled.push('in flight'))).rejects.toBeInstanceOf(ProducerTimeoutError),
        expect(queued.finally(() => settled.push('queued'))).rejects.toBeInstanceOf(ProducerTimeoutError),
      ];
      await jest.advanceTimersByTimeAsync(49);
      expect(settled).toEqual([]);
      // the one deadline timer fires 1 ms after the oldest send's deadline
      await jest.advanceTimersByTimeAsync(2);
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled.sort()).toEqual(['in flight', 'queued']);
      await Promise.all(outcomes);

      stuck.ack();
      const fresh = producer.send('t', [record('c')]);
      const next = await kafka.nextRequest(1);
      expect(valuesOf(next.batch)).toEqual(['c']);
      next.ack();
      await fresh;
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('BatchingProducer after a failed produce request', () => {
  /** Counts producers: each kafkajs producer is one producer id, with its own sequence numbers. */
  class CountingKafka extends FakeKafka {
    readonly producers: { id: number; disconnected: boolean }[] = [];

    override producer() {
      const entry = { id: this.producers.length, disconnected: false };
      this.producers.push(entry);
      const inner = super.producer();
      return {
        ...inner,
        disconnect: () => {
          entry.disconnected = true;
          return Promise.resolve();
        },
        sendBatch: (batch: ProducerBatch) => {
          (batch as ProducerBatch & { producerId?: number }).producerId = entry.id;
          return inner.sendBatch(batch);
        },
      };
    }
  }

  it('sends what follows under a new producer id, so a reused sequence number cannot be taken for a duplicate', async () => {
    const kafka = new CountingKafka();
    const producer = new BatchingProducer(kafka as unknown as Kafka, { ackTimeoutMs: 5000 });
    await producer.connect();
    const first = producer.send('t', [record('a')]);
    (await kafka.nextRequest(0)).fail(new Error('Connection error: read ECONNRESET'));
    await expect(first).rejects.toThrow('ECONNRESET');

    const second = producer.send('t', [record('b')]);
    const request = await kafka.nextRequest(1);
    expect(kafka.producers).toHaveLength(2);
    expect(kafka.producers[0].disconnected).toBe(true);
    expect((request.batch as ProducerBatch & { producerId?: number }).producerId).toBe(1);
    request.ack();
    await second;

    // a success keeps the producer
    const third = producer.send('t', [record('c')]);
    (await kafka.nextRequest(2)).ack();
    await third;
    expect(kafka.producers).toHaveLength(2);
  });

  it('fails the waiting sends when a new producer cannot connect, and tries again with the next', async () => {
    const kafka = new CountingKafka();
    const producer = new BatchingProducer(kafka as unknown as Kafka, { ackTimeoutMs: 5000 });
    const first = producer.send('t', [record('a')]);
    (await kafka.nextRequest(0)).fail(new Error('The producer was fenced'));
    await expect(first).rejects.toThrow('fenced');

    const original = kafka.producer.bind(kafka);
    let refuse = true;
    kafka.producer = () => {
      const made = original();
      return { ...made, connect: () => (refuse ? Promise.reject(new Error('connect ECONNREFUSED')) : Promise.resolve()) };
    };
    await expect(producer.send('t', [record('b')])).rejects.toThrow('ECONNREFUSED');
    expect(kafka.requests).toHaveLength(1);

    refuse = false;
    const third = producer.send('t', [record('c')]);
    const request = await kafka.nextRequest(1);
    expect(valuesOf(request.batch)).toEqual(['c']);
    request.ack();
    await third;
  });
});
