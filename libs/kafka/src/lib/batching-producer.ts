import { CompressionTypes, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';

export interface OutgoingRecord {
  key?: string | null;
  value: Buffer | string | null;
  headers?: Record<string, string>;
  partition?: number;
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
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface BatchingProducerOptions {
  /** how long a caller waits for the acknowledgement before it gets a ProducerTimeoutError */
  ackTimeoutMs?: number;
  /** upper bound of records in one produce request */
  maxBatchRecords?: number;
  compression?: CompressionTypes;
}

/**
 * An idempotent acks=all producer that coalesces concurrent sends: while one produce request is in
 * flight, everything that arrives waits and leaves in the next request. Under load this turns many
 * small sends into few large ones without adding a linger delay when the system is idle.
 */
export class BatchingProducer {
  private readonly producer: Producer;
  private readonly ackTimeoutMs: number;
  private readonly maxBatchRecords: number;
  private readonly compression: CompressionTypes;
  private queue: Pending[] = [];
  private inFlight = false;
  private connected = false;
  private stopping = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(kafka: Kafka, options: BatchingProducerOptions = {}) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5000;
    this.maxBatchRecords = options.maxBatchRecords ?? 2000;
    this.compression = options.compression ?? CompressionTypes.None;
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

  /** Resolves once the broker acknowledged every record (acks=all), or rejects. */
  send(topic: string, records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const acknowledged = new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, records, resolve, reject });
      this.schedule();
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ProducerTimeoutError(this.ackTimeoutMs)), this.ackTimeoutMs);
    });
    return Promise.race([acknowledged, timeout]).finally(() => clearTimeout(timer));
  }

  private schedule(): void {
    if (this.inFlight || this.queue.length === 0) return;
    this.inFlight = true;
    setImmediate(() => void this.flush());
  }

  private takeBatch(): Pending[] {
    let count = 0;
    let index = 0;
    while (index < this.queue.length && (index === 0 || count + this.queue[index].records.length <= this.maxBatchRecords)) {
      count += this.queue[index].records.length;
      index += 1;
    }
    return this.queue.splice(0, index);
  }

  private async flush(): Promise<void> {
    const batch = this.takeBatch();
    try {
      const byTopic = new Map<string, Message[]>();
      for (const pending of batch) {
        const messages = byTopic.get(pending.topic) ?? [];
        messages.push(...pending.records);
        byTopic.set(pending.topic, messages);
      }
      const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
      await this.producer.sendBatch({ acks: -1, compression: this.compression, topicMessages });
      for (const pending of batch) pending.resolve();
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    } finally {
      this.inFlight = false;
      this.schedule();
    }
  }
}
