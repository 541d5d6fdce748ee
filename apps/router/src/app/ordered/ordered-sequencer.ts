import { Injectable } from '@nestjs/common';

/** A job for one `ordered` channel/destination pair, run in the Kafka order of its records. */
export interface PairJob<T> {
  pair: string;
  run: () => Promise<T>;
}

/** A later record's job of a pair whose earlier job failed: its record must be handled again, after that one. */
export class PairBlockedError extends Error {
  constructor() {
    super('an earlier event of this ordered pair is not resolved yet');
    this.name = 'PairBlockedError';
  }
}

interface PairState {
  tail: Promise<unknown>;
  /** the offset of the earliest record whose job failed; later jobs fail until it is handled again */
  poisonedAt: bigint | null;
}

interface KeyState {
  /** resolves once the latest reservation entered */
  entered: Promise<void>;
  pairs: Map<string, PairState>;
  open: number;
}

export interface Reservation {
  /**
   * Enters the record's ordered jobs once every earlier record of the key entered, and returns their
   * results in order. Must be called exactly once, with no jobs when the record has none (or failed
   * before knowing), or later records of the key wait for ever.
   */
  enter<T>(jobs: PairJob<T>[]): Promise<PromiseSettledResult<T>[]>;
}

/**
 * Keeps the first-attempt lane's work for `ordered` destinations in Kafka order while the lane runs a
 * partition's records concurrently. A record reserves its place synchronously when it starts (the
 * pipeline starts a partition's records in offset order), resolves its channel's destinations, then
 * enters in reservation order: each ordered destination's job runs after the previous record's job
 * for the same pair. Other pairs, other keys and unordered destinations never wait on each other.
 *
 * A job that throws (Kafka or Postgres unavailable) poisons its pair: the jobs of later records fail
 * with PairBlockedError, so those records are handled again too, in order, once the failed record
 * comes back. Entering with an offset at or before the poison point lifts it.
 */
@Injectable()
export class OrderedSequencer {
  private keys = new Map<string, KeyState>();

  /** Call synchronously, in the record's offset order within its key. */
  reserve(key: string, offset: bigint): Reservation {
    let state = this.keys.get(key);
    if (!state) {
      state = { entered: Promise.resolve(), pairs: new Map(), open: 0 };
      this.keys.set(key, state);
    }
    const keyState = state;
    const previous = keyState.entered;
    let markEntered!: () => void;
    keyState.entered = new Promise<void>((resolve) => (markEntered = resolve));
    keyState.open += 1;
    let used = false;
    return {
      enter: async <T>(jobs: PairJob<T>[]) => {
        if (used) throw new Error('a reservation is entered once');
        used = true;
        await previous;
        const runs = this.chain(keyState, offset, jobs);
        markEntered();
        try {
          return await Promise.allSettled(runs);
        } finally {
          keyState.open -= 1;
          this.forgetIfIdle(key, keyState);
        }
      },
    };
  }

  /** After a rebalance: what this process tracked no longer describes the partitions it owns. */
  reset(): void {
    this.keys = new Map();
  }

  /** keys with reservations or a poisoned pair (tests, metrics) */
  get size(): number {
    return this.keys.size;
  }

  private chain<T>(state: KeyState, offset: bigint, jobs: PairJob<T>[]): Promise<T>[] {
    for (const pair of state.pairs.values()) {
      if (pair.poisonedAt !== null && offset <= pair.poisonedAt) pair.poisonedAt = null;
    }
    return jobs.map((job) => {
      let pair = state.pairs.get(job.pair);
      if (!pair) {
        pair = { tail: Promise.resolve(), poisonedAt: null };
        state.pairs.set(job.pair, pair);
      }
      const current = pair;
      const run = current.tail.then(async () => {
        if (current.poisonedAt !== null && offset > current.poisonedAt) throw new PairBlockedError();
        try {
          return await job.run();
        } catch (error) {
          if (current.poisonedAt === null || offset < current.poisonedAt) current.poisonedAt = offset;
          throw error;
        }
      });
      current.tail = run.catch(() => undefined);
      return run;
    });
  }

  private forgetIfIdle(key: string, state: KeyState): void {
    if (state.open > 0 || this.keys.get(key) !== state) return;
    for (const pair of state.pairs.values()) if (pair.poisonedAt !== null) return;
    this.keys.delete(key);
  }
}
