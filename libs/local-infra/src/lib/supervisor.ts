import type { ServiceExit, ServiceProcess } from './service-process';

export interface SupervisorOptions {
  /** where restarts are reported */
  log: (message: string) => void;
  /** first restart delay; doubles per crash in a row up to maxBackoffMs. Default 1 s. */
  minBackoffMs?: number;
  /** Default 30 s. */
  maxBackoffMs?: number;
  /** up this long, a crash counts as the first in a row again. Default 60 s. */
  stableMs?: number;
}

const describeExit = (exit: ServiceExit) => (exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`);

/**
 * Keeps one service running, as a process manager would in production: when it exits without having been asked to,
 * it is started again after a back-off (1 s, 2 s, 4 s … 30 s; reset once it stayed up for a minute), and every crash
 * and restart is logged.
 */
export class SupervisedService {
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private crashesInRow = 0;
  private upSince = 0;
  /** how many times it was restarted after a crash */
  restarts = 0;

  constructor(
    readonly service: ServiceProcess,
    private readonly options: SupervisorOptions,
  ) {}

  get name(): string {
    return this.service.name;
  }

  /** First start: waits until ready (a failure here is the caller's to report). */
  async start(): Promise<void> {
    await this.service.start();
    this.upSince = Date.now();
    this.watch();
  }

  private watch(): void {
    void this.service.exit().then((exit) => {
      if (this.stopping) return;
      this.crashed(`exited unexpectedly (${describeExit(exit)})`);
    });
  }

  private crashed(why: string): void {
    const { minBackoffMs = 1000, maxBackoffMs = 30_000, stableMs = 60_000 } = this.options;
    if (this.upSince > 0 && Date.now() - this.upSince >= stableMs) this.crashesInRow = 0;
    const delay = Math.min(maxBackoffMs, minBackoffMs * 2 ** this.crashesInRow);
    this.crashesInRow += 1;
    this.upSince = 0;
    this.options.log(`${this.name}: ${why}; restarting in ${(delay / 1000).toFixed(0)} s (crash ${this.crashesInRow} in a row)`);
    this.timer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.service.start();
    } catch (error) {
      if (this.stopping) return;
      await this.service.stop().catch(() => undefined); // started but never ready: do not leave it half up
      this.crashed(`failed to start again (${(error as Error).message.split('\n')[0]})`);
      return;
    }
    if (this.stopping) return;
    this.restarts += 1;
    this.upSince = Date.now();
    this.options.log(`${this.name}: restarted, pid ${this.service.pid}, ready`);
    this.watch();
  }

  /** Stops supervising, then the service (graceful, SIGKILL after the grace period). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.service.stop();
  }
}
