/**
 * How long a consumer group member may be out of its group, after a crash, before the runner gives
 * up on the replacement it started and starts another. The runner replaces a crashed member itself
 * (kafkajs never restarts one), but a replacement's join has been seen to hang after a broker SIGKILL:
 * nothing would consume that group on this instance again.
 */
export const REJOIN_DEADLINE_MS = 30_000;

/**
 * How long a member in its group may go without a fetch or a heartbeat while none of its batch calls
 * is running. An idle member fetches every maxWaitTimeInMs and heartbeats every second; one that
 * does neither for this long has lost its fetch loop.
 */
export const STALL_MS = 60_000;

export type StuckReason = 'not-rejoined' | 'stalled' | 'no-progress';

export interface MemberWatchdogOptions {
  rejoinDeadlineMs: number;
  stallMs: number;
  /** Called once per stuck spell; the watchdog then waits for a join within rejoinDeadlineMs again. */
  onStuck: (reason: StuckReason) => void;
  /**
   * Whether records wait for the group on its partitions (the broker's view). With it, a member in its
   * group that started no batch call for stallMs while records wait is stuck too, however busy its fetch
   * loop looks. Only for consumers that never keep a partition paused that long.
   */
  lagging?: () => Promise<boolean>;
  now?: () => number;
}

/**
 * Watches one consumer group member from its kafkajs events and says when it is stuck: out of its
 * group too long after a crash, or in it with no fetch, heartbeat or batch call for too long. It only
 * keeps clocks; the runner decides what replacing the member means.
 */
export class MemberWatchdog {
  private readonly now: () => number;
  private inGroup = false;
  /** since when the member has been out of its group after a crash or a replacement */
  private outSince: number | undefined;
  private lastActivity: number;
  private busy = 0;
  private lastBatchStart: number;
  private asking = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: MemberWatchdogOptions) {
    this.now = options.now ?? Date.now;
    this.lastActivity = this.now();
    this.lastBatchStart = this.now();
  }

  /** Checks every quarter of the shorter deadline (at most every 5 s) until stop(). */
  start(): void {
    this.stop();
    const every = Math.min(5000, Math.max(50, Math.floor(Math.min(this.options.rejoinDeadlineMs, this.options.stallMs) / 4)));
    this.timer = setInterval(() => {
      if (this.check() === undefined) void this.checkProgress();
    }, every);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  joined(): void {
    this.inGroup = true;
    this.outSince = undefined;
    this.lastActivity = this.now();
    this.lastBatchStart = this.now();
  }

  crashed(): void {
    this.inGroup = false;
    this.outSince ??= this.now();
  }

  /** A fetch started or ended, or a heartbeat went out. */
  activity(): void {
    this.lastActivity = this.now();
  }

  batchStarted(): void {
    this.busy += 1;
    this.lastBatchStart = this.now();
  }

  batchEnded(): void {
    this.busy = Math.max(0, this.busy - 1);
    this.lastActivity = this.now();
  }

  /** Whether the member is stuck now; when it is, tells onStuck and starts the rejoin clock again. */
  check(): StuckReason | undefined {
    const now = this.now();
    let reason: StuckReason | undefined;
    if (!this.inGroup && this.outSince !== undefined && now - this.outSince >= this.options.rejoinDeadlineMs) reason = 'not-rejoined';
    else if (this.inGroup && this.busy === 0 && now - this.lastActivity >= this.options.stallMs) reason = 'stalled';
    if (reason === undefined) return undefined;
    this.fire(reason, now);
    return reason;
  }

  /**
   * In the group, no batch call started for stallMs, and records wait (asked of `lagging`, one question at a
   * time): stuck. The answer comes later, so the conditions are checked again when it does.
   */
  async checkProgress(): Promise<StuckReason | undefined> {
    const { lagging, stallMs } = this.options;
    const idle = () => this.inGroup && this.now() - this.lastBatchStart >= stallMs;
    if (!lagging || this.asking || !idle()) return undefined;
    this.asking = true;
    try {
      const waiting = await lagging().catch(() => false);
      if (!waiting || !idle()) return undefined;
      this.fire('no-progress', this.now());
      return 'no-progress';
    } finally {
      this.asking = false;
    }
  }

  private fire(reason: StuckReason, now: number): void {
    // the replacement has the same deadline to join; batch calls of the old member no longer count
    this.inGroup = false;
    this.outSince = now;
    this.busy = 0;
    this.options.onStuck(reason);
  }
}
