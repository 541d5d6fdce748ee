// Over 300 lines on purpose: the runner and its per-partition commit lanes share one member state (joined, generation, lanes).
import { metricsRegistry } from '@wabridge/observability';
import type { Consumer, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { Counter } from 'prom-client';
import type { PartitionLag } from './consumer-lag';
import type { KafkaLogger } from './kafka-client';
import { MemberWatchdog, REJOIN_DEADLINE_MS, STALL_MS, type StuckReason } from './member-watchdog';

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: string;
}

export interface BatchContext {
  /** Marks this record, and everything before it in the partition, as handled; only handled offsets are committed. */
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  /** Pauses this partition; unresolved records are fetched again after the returned resume function runs. */
  pause(): () => void;
  isRunning(): boolean;
  isStale(): boolean;
  /**
   * Commits this partition up to and including `offset` soon. For records finished after their batch
   * call returned: kafkajs only commits while handling a batch, so without this an idle partition
   * would keep its last offsets uncommitted until the next record arrives. Calls coalesce: at most
   * one commit per partition is in flight and at most one starts per COMMIT_SPACING_MS, always for
   * the highest offset asked so far; the promise resolves once a commit covering `offset` is done.
   */
  commit(offset: string): Promise<void>;
  /**
   * Fetches this partition again from `offset` (the current batch becomes stale). Only for runners
   * with `autoCommit: false`: with auto-commit, kafkajs would commit the sought offset.
   */
  seek(offset: string): void;
}

export type BatchHandler = (records: ConsumedRecord[], context: BatchContext) => Promise<void>;

export interface ConsumerRunnerOptions {
  groupId: string;
  topics: string[];
  handler: BatchHandler;
  logger?: KafkaLogger;
  fromBeginning?: boolean;
  sessionTimeout?: number;
  heartbeatInterval?: number;
  maxWaitTimeInMs?: number;
  partitionsConsumedConcurrently?: number;
  maxBytesPerPartition?: number;
  /**
   * false: resolving an offset only moves the fetch position; nothing is committed but what the
   * handler commits itself (BatchContext.commit). For handlers that read ahead of what they finished.
   */
  autoCommit?: boolean;
  /**
   * After every join of the group, the first included: the assignment may have changed, so what the
   * handler still tracks of its partitions is no longer its to resolve or commit.
   */
  onRebalance?: () => void;
  /** After every batch call returned, with how far the partition's fetch position is behind its end. */
  onBatchEnd?: (batch: BatchEnd) => void;
  /** After every OffsetCommit request of this member, with what it committed (the next offsets to read). */
  onCommit?: (offsets: CommittedOffset[]) => void;
  /** Out of the group this long after a crash, the member is replaced (REJOIN_DEADLINE_MS). */
  rejoinDeadlineMs?: number;
  /** In the group with no fetch, heartbeat or batch call this long, the member is replaced (STALL_MS). */
  stallMs?: number;
  /**
   * The group's lag as the broker sees it now (ConsumerLagMonitor.fresh; undefined: it could not be asked).
   * With it, a member that started no batch call for stallMs while records wait on a partition assigned to
   * it is replaced too, however alive its fetch loop looks. Only for consumers that never keep a partition
   * paused that long (not retry lanes).
   */
  lagOf?: () => Promise<PartitionLag[] | undefined>;
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  /** the next offset the group will read */
  offset: string;
}

export interface BatchEnd {
  topic: string;
  partition: number;
  /** records between the batch's last offset and the partition's end, as the fetch response said */
  offsetLag: number;
}

export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  if (!headers) return decoded;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) decoded[name] = first.toString();
  }
  return decoded;
}

/** The shortest gap between two commits of one partition requested through BatchContext.commit. */
export const COMMIT_SPACING_MS = 100;

/**
 * With auto-commit, the longest a resolved offset waits for kafkajs's own commit before the runner
 * commits it itself. kafkajs commits only when a batch call returns, and a call may run for a
 * second or more while its records keep finishing (the router's pipeline holds it up to 1 s): a
 * crash in that time hands every record it finished to the group again.
 */
export const COMMIT_RESOLVED_AFTER_MS = 200;

/** How long a replaced member's disconnect is waited for before the new member starts anyway. */
const REPLACE_DISCONNECT_MS = 5000;

/**
 * A crashed member is replaced by a new one this long after its crash, the wait doubling with every
 * crash or failed start less than RESTART_RESET_MS after the one before, up to RESTART_MAX_MS (a
 * member that crashes on every batch does not rejoin its group every second). kafkajs's own
 * restart (a new group session on the crashed consumer's connections) is never used: after a broker
 * SIGKILL it was seen to leave a member that neither consumed nor crashed again.
 */
export const RESTART_INITIAL_MS = 1000;
export const RESTART_MAX_MS = 10_000;
const RESTART_RESET_MS = 60_000;

export type ReplacementReason = StuckReason | 'crashed' | 'start-failed';

const replacements = new Counter({
  name: 'wabridge_kafka_consumer_replacements_total',
  help: 'Consumer group members replaced by a new one: after a crash (crashed), after a replacement could not start (start-failed), or found stuck by the watchdog (not-rejoined, stalled, no-progress)',
  labelNames: ['group', 'reason'],
  registers: [metricsRegistry],
});

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** One partition's commits: those requested through BatchContext.commit, and resolved offsets kafkajs has not committed yet. */
interface CommitLane {
  wanted: bigint;
  /** the highest offset known to be committed, by the runner or by kafkajs */
  committed: bigint;
  running: Promise<void> | null;
  lastStart: number;
  /** the highest offset the handler resolved (auto-commit only) */
  resolved: bigint;
  /** armed when `resolved` moved past `committed`; commits it if kafkajs has not by then */
  timer: NodeJS.Timeout | undefined;
}

function laneKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function toRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString() : null,
    value: message.value,
    headers: decodeHeaders(message.headers),
    timestamp: message.timestamp,
  };
}

/**
 * Runs a consumer group member that hands whole batches to a handler and commits only the offsets
 * the handler resolved: a record that was neither handled nor handed off is fetched again, after a
 * crash, a rebalance or a restart.
 */
export class ConsumerRunner {
  /** the member consuming now; replaced when the watchdog finds it stuck */
  private consumer: Consumer;
  private readonly watchdog: MemberWatchdog;
  private joined = false;
  private stopped = false;
  /** crashes and failed starts, each less than RESTART_RESET_MS after the one before */
  private restarts = 0;
  private lastRestartAt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private joinWaiters: (() => void)[] = [];
  private commitLanes = new Map<string, CommitLane>();
  /** the partitions of the current member's last join, by topic */
  private assignment: Record<string, number[]> = {};

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ConsumerRunnerOptions,
  ) {
    const { lagOf } = options;
    this.watchdog = new MemberWatchdog({
      rejoinDeadlineMs: options.rejoinDeadlineMs ?? REJOIN_DEADLINE_MS,
      stallMs: options.stallMs ?? STALL_MS,
      onStuck: (reason) => this.replace(reason),
      lagging: lagOf ? () => this.lagging(lagOf) : undefined,
    });
    this.consumer = this.createConsumer();
  }

  /** true while the member is in its group: from its join until it crashed, was replaced or stopped */
  get isHealthy(): boolean {
    return this.joined;
  }

  /** Connects, subscribes and starts consuming; resolves when the member has joined its group. */
  async start(joinTimeoutMs = 30000): Promise<void> {
    // the member that joins may be a replacement, when the first one crashed while joining
    let timer: NodeJS.Timeout | undefined;
    const joined = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`consumer group ${this.options.groupId} did not join within ${joinTimeoutMs} ms`)), joinTimeoutMs);
      this.joinWaiters.push(resolve);
    });
    try {
      await this.launch(this.consumer);
      await joined;
    } finally {
      clearTimeout(timer);
    }
    this.watchdog.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.watchdog.stop();
    this.joined = false;
    await this.consumer.disconnect();
    this.clearCommitTimers();
  }

  /** A kafkajs consumer whose events feed this runner for as long as it is the current member. */
  private createConsumer(): Consumer {
    const { options } = this;
    const current = (): boolean => consumer === this.consumer && !this.stopped;
    const consumer: Consumer = this.kafka.consumer({
      groupId: options.groupId,
      // never restarted by kafkajs: after a crash the runner replaces the member (RESTART_INITIAL_MS)
      retry: { retries: 5, restartOnFailure: () => Promise.resolve(false) },
      sessionTimeout: options.sessionTimeout ?? 10000,
      heartbeatInterval: options.heartbeatInterval ?? 1000,
      rebalanceTimeout: 30000,
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 100,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
      allowAutoTopicCreation: false,
    });
    const { events } = consumer;
    consumer.on(events.GROUP_JOIN, (event) => {
      // a replaced member that joined anyway (its start was under way) leaves at once
      if (!current()) return void consumer.disconnect().catch(() => undefined);
      this.assignment = event.payload.memberAssignment;
      this.joined = true;
      options.logger?.info({ component: 'consumer', groupId: options.groupId, assignment: this.assignment }, 'consumer group member joined');
      this.watchdog.joined();
      for (const resolve of this.joinWaiters.splice(0)) resolve();
      // what this member asked to commit before the rebalance is no longer its to commit
      this.resetCommitLanes();
      options.onRebalance?.();
    });
    const active = (): void => {
      if (current()) this.watchdog.activity();
    };
    consumer.on(events.FETCH_START, active);
    consumer.on(events.HEARTBEAT, active);
    const { onBatchEnd, onCommit } = options;
    if (onBatchEnd) {
      consumer.on(events.END_BATCH_PROCESS, (event) => {
        if (current()) onBatchEnd({ topic: event.payload.topic, partition: event.payload.partition, offsetLag: Number(event.payload.offsetLag) });
      });
    }
    if (onCommit) {
      consumer.on(events.COMMIT_OFFSETS, (event) =>
        onCommit(
          event.payload.topics.flatMap(({ topic, partitions }) => partitions.map(({ partition, offset }) => ({ topic, partition: Number(partition), offset }))),
        ),
      );
    }
    // kafkajs's own commits (at the end of each batch call) and ours: a resolved offset they covered needs no commit of its own
    consumer.on(events.COMMIT_OFFSETS, (event) => {
      if (!current()) return;
      for (const { topic, partitions } of event.payload.topics) {
        for (const { partition, offset } of partitions) {
          const lane = this.commitLanes.get(laneKey(topic, partition));
          const last = BigInt(String(offset)) - 1n;
          if (lane && last > lane.committed) lane.committed = last;
        }
      }
    });
    consumer.on(events.CRASH, (event) => {
      if (!current()) return;
      // kafkajs has disconnected it; out of the group until a replacement joins (the watchdog's deadline covers a start that hangs)
      this.joined = false;
      this.watchdog.crashed();
      const restartInMs = this.restartDelay();
      options.logger?.error({ component: 'consumer', groupId: options.groupId, err: event.payload.error, restartInMs }, 'consumer crashed');
      this.replaceIn(restartInMs, 'crashed');
    });
    return consumer;
  }

  /** Connects, subscribes and runs `consumer`; its batch calls reach the handler only while it is the current member. */
  private async launch(consumer: Consumer): Promise<void> {
    await consumer.connect();
    await consumer.subscribe({ topics: this.options.topics, fromBeginning: this.options.fromBeginning ?? true });
    const autoCommit = this.options.autoCommit ?? true;
    await consumer.run({
      autoCommit,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: async (payload) => {
        // a replaced member's records (nothing resolved, so nothing committed) are the new member's to fetch
        if (consumer !== this.consumer) return void consumer.disconnect().catch(() => undefined);
        const { batch } = payload;
        const records = batch.messages.map((message) => toRecord(batch.topic, batch.partition, message));
        if (records.length === 0) return;
        this.watchdog.batchStarted();
        try {
          await this.options.handler(records, {
            resolveOffset: (offset) => {
              payload.resolveOffset(offset);
              if (autoCommit) this.commitUnlessCommitted(batch.topic, batch.partition, BigInt(offset));
            },
            heartbeat: () => payload.heartbeat(),
            pause: () => payload.pause(),
            isRunning: () => payload.isRunning(),
            isStale: () => payload.isStale(),
            commit: (offset) => this.commitSoon(batch.topic, batch.partition, BigInt(offset)),
            seek: (offset) => {
              if (this.options.autoCommit !== false) throw new Error('seek needs a runner with autoCommit: false');
              consumer.seek({ topic: batch.topic, partition: batch.partition, offset });
            },
          });
        } finally {
          if (consumer === this.consumer) this.watchdog.batchEnded();
        }
        await payload.commitOffsetsIfNecessary();
      },
    });
  }

  /**
   * Swaps a crashed or stuck member for a new one: the old one is disconnected (or given up on after
   * REPLACE_DISCONNECT_MS), and the new one joins the group and fetches from the committed offsets,
   * so what the old one fetched but did not resolve is handled again. If the new one cannot start
   * (the broker is still down), it is replaced after the next restart delay; one whose start hangs,
   * at the watchdog's next deadline.
   */
  private replace(reason: ReplacementReason): void {
    // not skipped while an earlier replacement is still starting: that start may hang (seen: a join that never
    // returned after a broker SIGKILL), and the watchdog fires at most once per rejoin deadline
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    if (this.stopped) return;
    const { logger, groupId } = this.options;
    replacements.inc({ group: groupId, reason });
    if (reason === 'crashed' || reason === 'start-failed') logger?.info({ component: 'consumer', groupId, reason }, 'replacing consumer group member');
    else logger?.warn({ component: 'consumer', groupId, reason }, 'consumer group member stuck; replacing it');
    const old = this.consumer;
    this.joined = false;
    this.resetCommitLanes();
    this.consumer = this.createConsumer();
    const fresh = this.consumer;
    void (async () => {
      await Promise.race([old.disconnect().catch(() => undefined), delay(REPLACE_DISCONNECT_MS)]);
      if (this.stopped || fresh !== this.consumer) return;
      await this.launch(fresh);
    })().catch((error: unknown) => {
      if (this.stopped || fresh !== this.consumer) return;
      const restartInMs = this.restartDelay();
      logger?.error({ component: 'consumer', groupId, err: error, restartInMs }, 'replacement consumer did not start');
      this.replaceIn(restartInMs, 'start-failed');
    });
  }

  /** The wait before the next replacement: RESTART_INITIAL_MS, doubled per crash or failed start in a row. */
  private restartDelay(): number {
    const now = Date.now();
    if (now - this.lastRestartAt > RESTART_RESET_MS) this.restarts = 0;
    this.lastRestartAt = now;
    const wait = Math.min(RESTART_MAX_MS, RESTART_INITIAL_MS * 2 ** Math.min(this.restarts, 10));
    this.restarts += 1;
    return wait;
  }

  private replaceIn(ms: number, reason: 'crashed' | 'start-failed'): void {
    if (this.stopped) return;
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => this.replace(reason), ms);
    this.restartTimer.unref();
  }

  /** Whether records wait on a partition assigned to this member (asked only after stallMs without a batch call). */
  private async lagging(lagOf: () => Promise<PartitionLag[] | undefined>): Promise<boolean> {
    const lags = await lagOf();
    const assigned = (lags ?? []).filter(({ topic, partition }) => (this.assignment[topic] ?? []).includes(partition));
    this.options.logger?.debug(
      {
        component: 'consumer',
        groupId: this.options.groupId,
        answered: lags !== undefined,
        lags: assigned.map(({ topic, partition, lag }) => ({ topic, partition, lag })),
      },
      "no batch call for the stall time; the broker's lag on the assigned partitions",
    );
    return assigned.some(({ lag }) => lag > 0);
  }

  private resetCommitLanes(): void {
    this.clearCommitTimers();
    this.commitLanes = new Map();
  }

  private laneOf(topic: string, partition: number): CommitLane {
    const key = laneKey(topic, partition);
    let lane = this.commitLanes.get(key);
    if (!lane) {
      lane = { wanted: -1n, committed: -1n, running: null, lastStart: 0, resolved: -1n, timer: undefined };
      this.commitLanes.set(key, lane);
    }
    return lane;
  }

  private clearCommitTimers(): void {
    for (const lane of this.commitLanes.values()) {
      clearTimeout(lane.timer);
      lane.timer = undefined;
    }
  }

  /**
   * A resolved offset is committed by kafkajs when its batch call returns; if that has not happened
   * COMMIT_RESOLVED_AFTER_MS later (a long batch call), the runner commits it (coalesced with
   * BatchContext.commit). Only what the handler resolved is ever committed.
   */
  private commitUnlessCommitted(topic: string, partition: number, offset: bigint): void {
    const lane = this.laneOf(topic, partition);
    if (offset > lane.resolved) lane.resolved = offset;
    if (lane.timer || lane.resolved <= lane.committed) return;
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      if (!this.joined || this.commitLanes.get(laneKey(topic, partition)) !== lane || lane.resolved <= lane.committed) return;
      // not awaited: a lost commit only means records are handled again
      this.commitSoon(topic, partition, lane.resolved).catch(() => undefined);
    }, COMMIT_RESOLVED_AFTER_MS);
    lane.timer.unref();
  }

  private commitSoon(topic: string, partition: number, offset: bigint): Promise<void> {
    const lane = this.laneOf(topic, partition);
    if (offset > lane.wanted) lane.wanted = offset;
    if (offset <= lane.committed) return Promise.resolve();
    lane.running ??= this.runCommits(topic, partition, lane);
    return lane.running;
  }

  /** Commits the lane's highest wanted offset until nothing newer is wanted; a failure ends the run. */
  private async runCommits(topic: string, partition: number, lane: CommitLane): Promise<void> {
    try {
      while (lane.wanted > lane.committed && this.commitLanes.get(laneKey(topic, partition)) === lane) {
        const wait = lane.lastStart + COMMIT_SPACING_MS - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const target = lane.wanted;
        lane.lastStart = Date.now();
        await this.consumer.commitOffsets([{ topic, partition, offset: (target + 1n).toString() }]);
        if (target > lane.committed) lane.committed = target;
      }
    } finally {
      lane.running = null;
    }
  }
}
