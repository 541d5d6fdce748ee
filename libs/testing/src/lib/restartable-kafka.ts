import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startKafka, type KafkaBroker } from '@wabridge/local-infra';

/**
 * A Kafka broker of the test's own that goes down and comes back on the same port and data dir, so clients
 * keep their bootstrap list: shut down cleanly, or SIGKILLed as a crashed broker (no controlled shutdown,
 * nothing flushed), then started again.
 */
export class RestartableKafka {
  private constructor(
    private readonly dataDir: string,
    private readonly port: number,
    private readonly partitions: number | undefined,
    private running: KafkaBroker | undefined,
  ) {}

  /** `partitions`: num.partitions for topics created without a count (startKafka's default: 1). */
  static async start(options: { partitions?: number } = {}): Promise<RestartableKafka> {
    const dataDir = await mkdtemp(join(tmpdir(), 'wabridge-restartable-kafka-'));
    try {
      const port = await freePort();
      const broker = await startKafka({ dataDir, port, partitions: options.partitions });
      return new RestartableKafka(dataDir, port, options.partitions, broker);
    } catch (error) {
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The bootstrap list: the same before and after a restart. */
  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  /** SIGKILL, as a crashed broker. */
  async kill(): Promise<void> {
    const broker = this.down();
    process.kill(broker.pid, 'SIGKILL');
    await broker.stop();
  }

  /** A controlled shutdown. */
  async shutDown(): Promise<void> {
    await this.down().stop();
  }

  /** Starts the broker again on its port and data dir. */
  async startAgain(): Promise<void> {
    if (this.running) throw new Error('the broker is running');
    this.running = await startKafka({ dataDir: this.dataDir, port: this.port, partitions: this.partitions });
  }

  /** Stops the broker if it runs and removes its data dir. */
  async stop(): Promise<void> {
    const broker = this.running;
    this.running = undefined;
    try {
      await broker?.stop();
    } finally {
      await rm(this.dataDir, { recursive: true, force: true });
    }
  }

  private down(): KafkaBroker {
    const broker = this.running;
    if (!broker) throw new Error('the broker is not running');
    this.running = undefined;
    return broker;
  }
}
