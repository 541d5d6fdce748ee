import type { Admin, Kafka } from 'kafkajs';

/**
 * A cheap readiness probe: asks the cluster for its metadata, bounded in time and cached briefly so
 * frequent health checks do not load the broker.
 */
export class KafkaProbe {
  private admin: Admin | undefined;
  private last: { at: number; ok: boolean } = { at: 0, ok: false };
  private pending: Promise<boolean> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly timeoutMs = 1500,
    private readonly cacheMs = 1000,
  ) {}

  check(): Promise<boolean> {
    if (Date.now() - this.last.at < this.cacheMs) return Promise.resolve(this.last.ok);
    this.pending ??= this.probe().finally(() => (this.pending = undefined));
    return this.pending;
  }

  async close(): Promise<void> {
    await this.admin?.disconnect();
  }

  private async probe(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      this.admin ??= this.kafka.admin();
      const admin = this.admin;
      const described = (async () => {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return cluster.brokers.length > 0;
      })();
      const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.timeoutMs)));
      const ok = await Promise.race([described.catch(() => false), timeout]);
      this.last = { at: Date.now(), ok };
      return ok;
    } finally {
      clearTimeout(timer);
    }
  }
}
