import type { BatchContext, ConsumedRecord } from './consumer-runner';
import { OffsetTracker } from './offset-tracker';

export interface PipelineOptions {
  /**
   * Handles one record. Resolving means "done" (delivered, durably scheduled or dead-lettered): its
   * offset may be committed once everything before it is done too. Rejecting means "do it again".
   */
  process(record: ConsumedRecord): Promise<void>;
  /** ms until a record may start (retry lanes); ≤ 0 = now. The partition pauses until then. */
  delayOf?(record: ConsumedRecord): number;
  onError(record: ConsumedRecord, error: unknown): void;
  /**
   * how long a batch call waits without any of its partition's records finishing before it hands
   * control back to kafkajs (a stuck record must not hold up the fetches of the others)
   */
  holdMs: number;
  /**
   * the longest a batch call waits while its records keep finishing (default holdMs): returning
   * earlier makes kafkajs fetch the records still in flight again, only to skip them
   */
  maxHoldMs?: number;
  /**
   * the wait instead, when a large batch brought nothing new (all of it already in flight): fetching
   * it again so soon would only move the same bytes again
   */
  busyHoldMs?: number;
  /** on shutdown, how long a batch call waits for its records to finish, so their offsets get committed */
  drainMs: number;
  /** a failed record is offered again after this long at the earliest */
  failureBackoffMs: number;
  /** the longest single pause; the head record is then simply looked at again */
  maxPauseMs?: number;
}

class Lane {
  readonly tracker = new OffsetTracker();
  running = 0;
  /** records finished (done or failed) since the lane began: progress, as settle() sees it */
  finished = 0;
  closed = false;
  /** a batch call for this partition is running: kafkajs commits what is resolved when it returns */
  inHandler = false;
  resumeTimer: NodeJS.Timeout | undefined;
  resume: (() => void) | undefined;
  private waiters: (() => void)[] = [];

  constructor(public context: BatchContext) {}

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves on the next completion or after `ms`. */
  changeOr(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, ms));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** A batch this large that brought nothing new means the window ahead of a stuck record is full. */
const BUSY_BATCH_RECORDS = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs the records of each partition concurrently while committing strictly in order, and keeps a
 * slow record from holding up the records behind it.
 *
 * kafkajs hands a partition one batch at a time and fetches the next only when every handler of the
 * current fetch returned; it refetches from the last resolved offset. So a batch call starts what is
 * new, then waits at most `holdMs` for it to finish before returning. A record still running (a
 * partner timing out) stays in flight across calls: the refetch brings it back, it is recognised and
 * skipped, and the records after it start. Its offset — and everything after it — is resolved when it
 * finishes. The window ahead of a stuck record is bounded by one fetch (maxBytesPerPartition).
 */
export class PartitionPipeline {
  private lanes = new Map<string, Lane>();
  private readonly maxPauseMs: number;
  /** across all lanes, those of earlier generations included */
  private running = 0;

  constructor(private readonly options: PipelineOptions) {
    this.maxPauseMs = options.maxPauseMs ?? 30_000;
  }

  /** records in flight across all partitions */
  get inFlight(): number {
    return this.running;
  }

  /** The ConsumerRunner batch handler. */
  handle = async (records: ConsumedRecord[], context: BatchContext): Promise<void> => {
    if (records.length === 0) return;
    const lane = this.laneFor(records[0], context);
    lane.inHandler = true;
    try {
      await this.startAndSettle(lane, records, context);
    } finally {
      lane.inHandler = false;
    }
  };

  private async startAndSettle(lane: Lane, records: ConsumedRecord[], context: BatchContext): Promise<void> {
    let started = 0;
    let paused = false;
    for (const record of records) {
      if (!context.isRunning() || context.isStale()) break;
      if (!lane.tracker.isStartable(record.offset)) continue;
      const wait = this.options.delayOf?.(record) ?? 0;
      if (wait > 0) {
        this.pause(lane, context, wait);
        paused = true;
        break;
      }
      lane.tracker.start(record.offset);
      started += 1;
      void this.run(lane, record);
    }
    // kafkajs fetches again only when every partition's batch call returned, so a long wait here
    // delays the other partitions too: it is kept for the case where a refetch is known to be futile
    const futile = started === 0 && !paused && records.length >= BUSY_BATCH_RECORDS;
    await this.settle(lane, context, futile ? (this.options.busyHoldMs ?? this.options.holdMs * 3) : this.options.holdMs);
  }

  /** After a rebalance: forget every partition. Work still running finishes but resolves nothing. */
  reset(): void {
    this.close();
    this.lanes = new Map();
  }

  /** Waits until nothing is in flight, or the deadline. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await sleep(20);
  }

  /** Closes every lane: resume timers stop, nothing more is resolved. */
  close(): void {
    for (const lane of this.lanes.values()) {
      lane.closed = true;
      clearTimeout(lane.resumeTimer);
      lane.resumeTimer = undefined;
      // a partition left paused would stay paused if it is assigned to us again
      lane.resume?.();
      lane.resume = undefined;
      lane.notify();
    }
  }

  private laneFor(record: ConsumedRecord, context: BatchContext): Lane {
    const key = `${record.topic}\u0000${record.partition}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = new Lane(context);
      this.lanes.set(key, lane);
    }
    lane.context = context;
    return lane;
  }

  private pause(lane: Lane, context: BatchContext, waitMs: number): void {
    if (lane.resumeTimer) return;
    const resume = context.pause();
    lane.resume = resume;
    lane.resumeTimer = setTimeout(
      () => {
        lane.resumeTimer = undefined;
        lane.resume = undefined;
        resume();
      },
      Math.min(waitMs, this.maxPauseMs),
    );
    lane.resumeTimer.unref();
  }

  private async run(lane: Lane, record: ConsumedRecord): Promise<void> {
    lane.running += 1;
    this.running += 1;
    try {
      await this.options.process(record);
      const resolvable = lane.tracker.complete(record.offset);
      if (resolvable !== null && !lane.closed) {
        lane.context.resolveOffset(resolvable);
        // finished after its batch call returned: nothing else would commit it while the partition is idle
        // (not awaited: commits coalesce, and a lost one only means records are handled again)
        if (!lane.inHandler) void lane.context.commit(resolvable).catch(() => undefined);
      }
    } catch (error) {
      this.options.onError(record, error);
      // not straight back: a failing dependency would otherwise be hammered at fetch speed
      await sleep(this.options.failureBackoffMs);
      lane.tracker.release(record.offset);
    } finally {
      lane.running -= 1;
      lane.finished += 1;
      this.running -= 1;
      lane.notify();
    }
  }

  /**
   * Returns when the partition's records are all finished, when none finished for `holdMs` (a stuck
   * record: kafkajs may fetch again, the unfinished ones keep running), or after `maxHoldMs` at the
   * latest. While the consumer stops, waits up to `drainMs` so finished offsets are committed on the
   * way out.
   */
  private async settle(lane: Lane, context: BatchContext, holdMs: number): Promise<void> {
    const started = Date.now();
    const maxHoldMs = Math.max(holdMs, this.options.maxHoldMs ?? holdMs);
    let progressAt = started;
    while (lane.running > 0 && !lane.closed) {
      const now = Date.now();
      const until = context.isRunning() ? Math.min(progressAt + holdMs, started + maxHoldMs) : started + this.options.drainMs;
      if (now >= until) return;
      const finished = lane.finished;
      await lane.changeOr(Math.min(until - now, 100));
      if (lane.finished !== finished) progressAt = Date.now();
      // a long drain must not cost the group membership
      await context.heartbeat().catch(() => undefined);
    }
  }
}
