import { CompressionTypes, type Kafka, type Producer, type TopicMessages } from 'kafkajs';

export interface OutgoingRecord {
  key?: string | null;
  value: Buffer | string | null;
  headers?: Record<string, string>;
  partition?: number;
}

/** Roughly what records weigh in a produce request: values, keys and headers, plus per-record framing. */
function sizeOf(records: OutgoingRecord[]): number {
  let bytes = 0;
  for (const record of records) {
    bytes += 32 + byteLength(record.value) + byteLength(record.key ?? null);
    for (const name in record.headers) bytes += name.length + byteLength(record.headers[name]);
  }
  return bytes;
}

function byteLength(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

export class ProducerTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`Kafka did not acknowledge within ${timeoutMs} ms`);
    this.name = 'ProducerTimeoutError';
  }
}

interface Pending {
  topic: string;
  records: OutgoingRecord[];
  /** performance.now() after which the caller gets a ProducerTimeoutError */
  deadline: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface BatchingProducerOptions {
  /** how long a caller waits for the acknowledgement before it gets a ProducerTimeoutError */
  ackTimeoutMs?: number;
  /** upper bound of records in one produce request */
  maxBatchRecords?: number;
  /**
   * upper bound of the bytes (values, keys, headers) in one produce request, kept under the broker's
   * 1 MB message.max.bytes for a partition's record batch; a single larger send still goes alone
   */
  maxBatchBytes?: number;
  compression?: CompressionTypes;
  /** told about every acknowledged produce request: its record count and how long it took */
  onProduced?: (records: number, seconds: number) => void;
}

/**
 * An idempotent acks=all producer that coalesces concurrent sends: while one produce request is in
 * flight, everything that arrives waits and leaves in the next request. Under load this turns many
 * small sends into few large ones without adding a linger delay when the system is idle.
 */
export class BatchingProducer {
  private producer: Producer;
  /**
   * A produce request failed, so nobody knows whether the broker wrote it: the next request goes out
   * under a new producer id. kafkajs hands a failed request's sequence numbers to the next request,
   * and the broker takes a request that repeats the last written batch's sequence numbers as a
   * duplicate — acknowledging it without writing it. After a leader fail-over that would acknowledge
   * records that were never written (docs/events.md).
   */
  private resetBeforeNext = false;
  private readonly ackTimeoutMs: number;
  private readonly maxBatchRecords: number;
  private readonly maxBatchBytes: number;
  private readonly compression: CompressionTypes;
  private readonly onProduced: ((records: number, seconds: number) => void) | undefined;
  /** sends not yet in a produce request */
  private queue: Pending[] = [];
  /** every unsettled send, queued or in flight, oldest (= earliest deadline) first */
  private readonly waiting = new Set<Pending>();
  private deadlineTimer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private connected = false;
  private stopping = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kafka: Kafka,
    options: BatchingProducerOptions = {},
  ) {
    this.producer = this.newProducer();
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5000;
    this.maxBatchRecords = options.maxBatchRecords ?? 2000;
    this.maxBatchBytes = options.maxBatchBytes ?? 768 * 1024;
    this.compression = options.compression ?? CompressionTypes.None;
    this.onProduced = options.onProduced;
  }

  private newProducer(): Producer {
    return this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  /** A new producer id for what follows a failed request (resetBeforeNext). */
  private async reset(): Promise<void> {
    const old = this.producer;
    this.producer = this.newProducer();
    await old.disconnect().catch(() => undefined);
    await this.producer.connect();
    this.resetBeforeNext = false;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  /**
   * Keeps trying to connect in the background, so a service can start (and report not-ready) while
   * Kafka is down; sends fail fast until the connection is up.
   */
  connectInBackground(onError: (error: unknown) => void, retryMs = 1000): void {
    this.stopping = false;
    const attempt = (): void => {
      this.connect().catch((error: unknown) => {
        onError(error);
        if (!this.stopping) this.reconnectTimer = setTimeout(attempt, retryMs);
      });
    };
    attempt();
  }

  async disconnect(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    this.connected = false;
    await this.producer.disconnect();
  }

  /**
   * Resolves once the broker acknowledged every record (acks=all), or rejects: with the producer's
   * error, or with a ProducerTimeoutError once ackTimeoutMs passed. A send that times out before it
   * left is dropped from the queue, as its caller has already been told it failed.
   */
  send(topic: string, records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = { topic, records, deadline: performance.now() + this.ackTimeoutMs, resolve, reject };
      this.queue.push(pending);
      this.waiting.add(pending);
      this.armDeadline();
      this.schedule();
    });
  }

  /**
   * One timer for all sends (not one per send): all share ackTimeoutMs, so the oldest unsettled send
   * has the earliest deadline.
   */
  private armDeadline(): void {
    if (this.deadlineTimer || this.waiting.size === 0) return;
    const [oldest] = this.waiting;
    this.deadlineTimer = setTimeout(() => this.expire(), Math.max(0, oldest.deadline - performance.now()) + 1);
  }

  private expire(): void {
    this.deadlineTimer = undefined;
    const now = performance.now();
    let expired = false;
    for (const pending of this.waiting) {
      if (pending.deadline > now) break;
      this.waiting.delete(pending);
      pending.reject(new ProducerTimeoutError(this.ackTimeoutMs));
      expired = true;
    }
    if (expired) this.queue = this.queue.filter((pending) => this.waiting.has(pending));
    this.armDeadline();
  }

  private settle(batch: Pending[], error?: unknown): void {
    for (const pending of batch) {
      if (!this.waiting.delete(pending)) continue; // it timed out while in flight
      if (error === undefined) pending.resolve();
      else pending.reject(error);
    }
    if (this.waiting.size === 0) {
      clearTimeout(this.deadlineTimer);
      this.deadlineTimer = undefined;
    }
  }

  private schedule(): void {
    if (this.inFlight || this.queue.length === 0) return;
    this.inFlight = true;
    setImmediate(() => void this.flush());
  }

  private takeBatch(): Pending[] {
    let count = 0;
    let bytes = 0;
    let index = 0;
    while (index < this.queue.length) {
      const next = this.queue[index];
      const nextBytes = sizeOf(next.records);
      if (index > 0 && (count + next.records.length > this.maxBatchRecords || bytes + nextBytes > this.maxBatchBytes)) break;
      count += next.records.length;
      bytes += nextBytes;
      index += 1;
    }
    return this.queue.splice(0, index);
  }

  private async flush(): Promise<void> {
    const batch = this.takeBatch();
    try {
      if (batch.length === 0) return;
      const topicMessages: TopicMessages[] = [];
      let records = 0;
      for (const pending of batch) {
        let entry = topicMessages.find((candidate) => candidate.topic === pending.topic);
        if (!entry) topicMessages.push((entry = { topic: pending.topic, messages: [] }));
        for (const record of pending.records) entry.messages.push(record);
        records += pending.records.length;
      }
      if (this.resetBeforeNext) await this.reset();
      const started = performance.now();
      await this.producer.sendBatch({ acks: -1, compression: this.compression, topicMessages });
      this.onProduced?.(records, (performance.now() - started) / 1000);
      this.settle(batch);
    } catch (error) {
      this.resetBeforeNext = true;
      this.settle(batch, error);
    } finally {
      this.inFlight = false;
      this.schedule();
    }
  }
}
