import { metricsRegistry } from '@wabridge/observability';
import type { Admin, Kafka } from 'kafkajs';
import { Gauge } from 'prom-client';

/** A consumer group and the topics it reads. */
export interface LaggingGroup {
  groupId: string;
  topics: string[];
}

export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  /** records between the group's committed offset and the end of the partition */
  lag: number;
}

/**
 * Consumer lag as the broker sees it: each group's committed offsets against the partitions' end
 * offsets, asked at scrape time (at most every `cacheMs`). Unlike the lag a consumer reports after a
 * batch, this keeps growing when a consumer is stuck or gone, which is what an alert needs.
 */
export class ConsumerLagMonitor {
  private admin: Admin | undefined;
  private last: { at: number; lags: PartitionLag[] } | undefined;
  private inFlight: Promise<PartitionLag[]> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly groups: LaggingGroup[],
    private readonly options: { cacheMs?: number; timeoutMs?: number } = {},
  ) {}

  /** The latest lags; the previous answer when the broker cannot be asked within the timeout (for /metrics). */
  async lags(): Promise<PartitionLag[]> {
    return (await this.fresh()) ?? this.last?.lags ?? [];
  }

  /**
   * Lags at most `cacheMs` old, or undefined when the broker could not be asked within the timeout: for
   * decisions (the consumer watchdog), which must not act on, nor be blinded by, an answer from before an
   * outage. A question that failed or timed out drops the admin client, so the next one connects afresh
   * instead of waiting on a client that lost its broker (kafkajs retries a request for minutes).
   */
  async fresh(): Promise<PartitionLag[] | undefined> {
    const cacheMs = this.options.cacheMs ?? 5000;
    if (this.last && Date.now() - this.last.at < cacheMs) return this.last.lags;
    const asked = (this.inFlight ??= this.fetch());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.options.timeoutMs ?? 3000);
    });
    try {
      const lags = await Promise.race([asked.catch(() => undefined), timeout]);
      if (this.inFlight === asked) this.inFlight = undefined;
      if (lags) {
        this.last = { at: Date.now(), lags };
        return lags;
      }
      this.dropAdmin();
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  private dropAdmin(): void {
    const admin = this.admin;
    this.admin = undefined;
    void admin?.disconnect().catch(() => undefined);
  }

  private async fetch(): Promise<PartitionLag[]> {
    let admin = this.admin;
    if (!admin) {
      admin = this.kafka.admin();
      this.admin = admin;
      await admin.connect();
    }
    const topics = [...new Set(this.groups.flatMap((group) => group.topics))];
    const ends = new Map<string, Map<number, { high: bigint; low: bigint }>>();
    await Promise.all(
      topics.map(async (topic) => {
        const offsets = await admin.fetchTopicOffsets(topic);
        ends.set(topic, new Map(offsets.map((o) => [o.partition, { high: BigInt(o.high), low: BigInt(o.low) }])));
      }),
    );
    const lags: PartitionLag[] = [];
    for (const group of this.groups) {
      const committed = await admin.fetchOffsets({ groupId: group.groupId, topics: group.topics });
      for (const { topic, partitions } of committed) {
        for (const { partition, offset } of partitions) {
          const end = ends.get(topic)?.get(partition);
          if (!end) continue;
          // nothing committed yet: everything still in the partition is behind
          const from = BigInt(offset) < 0n ? end.low : BigInt(offset);
          const lag = end.high > from ? Number(end.high - from) : 0;
          lags.push({ group: group.groupId, topic, partition, lag });
        }
      }
    }
    return lags;
  }
}

let monitors: ConsumerLagMonitor[] = [];

/** Reports this monitor's groups on /metrics (a service registers one monitor for all its groups). */
export function reportConsumerLagOf(monitor: ConsumerLagMonitor): void {
  monitors = [...monitors.filter((m) => m !== monitor), monitor];
}

export function stopReportingConsumerLagOf(monitor: ConsumerLagMonitor): void {
  monitors = monitors.filter((m) => m !== monitor);
}

export const consumerGroupLag = new Gauge({
  name: 'wabridge_kafka_consumer_lag',
  help: "Records behind the end of each partition for the service's consumer groups, from the committed offsets (every instance of a service reports the same group: use max)",
  labelNames: ['group', 'topic', 'partition'],
  registers: [metricsRegistry],
  async collect() {
    const all = await Promise.all(monitors.map((monitor) => monitor.lags()));
    this.reset();
    for (const lags of all) {
      for (const { group, topic, partition, lag } of lags) this.set({ group, topic, partition: String(partition) }, lag);
    }
  },
});
