import type { OrderedPair, ParkedTicket } from '../records/event-records';
import type { PairProgress } from './ordered-parking.repository';

/**
 * The parking lane's bookkeeping (OrderedConsumer), without Kafka, timers or I/O: which parked
 * records a pair's queue takes, which offset a partition may commit, and when a pair's overflow is
 * read again.
 */

export interface Parked {
  offset: bigint;
  ticket: ParkedTicket;
}

/** What `admit` did with a parked record. */
export type Admission =
  /** at or below what the pair already queued or finished, or behind an overflow: read again later or never needed */
  | 'skipped'
  /** the queue is full: this record and the pair's later ones are read again once it drains */
  | 'overflow'
  /** appended to the pair's queue */
  | 'queued';

/** One pair's queue on one partition of the parking lane. */
export class PairQueue {
  readonly queue: Parked[] = [];
  /** the highest sequence number queued or done: records at or below it are duplicates */
  lastSeq: bigint;
  /** the offset of the first record left unread because the queue was full; read again once it drains */
  overflowFrom: bigint | null = null;
  /** the blocked head's schedule as stored, for the head after a restart */
  head: PairProgress['head'];
  working = false;

  constructor(
    readonly pair: OrderedPair,
    progress: PairProgress,
  ) {
    this.lastSeq = progress.deliveredSeq;
    this.head = progress.head;
  }

  /** Takes a parked record into the queue, unless it is a duplicate, behind an overflow, or does not fit. */
  admit(offset: bigint, ticket: ParkedTicket, bufferPerPair: number): Admission {
    if (ticket.seq <= this.lastSeq || this.overflowFrom !== null) return 'skipped';
    if (this.queue.length >= bufferPerPair) {
      this.overflowFrom = offset;
      return 'overflow';
    }
    this.queue.push({ offset, ticket });
    this.lastSeq = ticket.seq;
    return 'queued';
  }

  /**
   * Where the head's next try stands: its ticket's attempt and due time, or the schedule stored for
   * it in ordered_pairs when that is further along (the head failed before a restart).
   */
  resumeOf(head: Parked): { attempt: number; dueAt: Date | null } {
    const stored = this.head;
    if (stored && stored.seq === head.ticket.seq && stored.attempt >= head.ticket.attempt) return { attempt: stored.attempt, dueAt: stored.dueAt };
    return { attempt: head.ticket.attempt, dueAt: head.ticket.dueAt };
  }

  /** The head is done (delivered, dead-lettered or dropped by a 410): the next one's schedule is its own. */
  headDone(): void {
    this.queue.shift();
    this.head = null;
  }
}

/** How long a head waits before its next try: none when it has no due time or the time has passed. */
export function waitMs(dueAt: Date | null, now: number): number {
  return dueAt ? dueAt.getTime() - now : 0;
}

/** One assigned partition of the parking lane: its pairs, and how far it was read and committed. */
export class PartitionState {
  readonly pairs = new Map<string, PairQueue>();
  /** the next offset to read; null before the first batch */
  next: bigint | null = null;
  committed = -1n;
  /** bumped by a seek: a batch call that started before it stops */
  generation = 0;
  closed = false;

  /** The first offset not finished: a restart must read from here. */
  firstUnfinished(): bigint | null {
    let low = this.next;
    for (const pairQueue of this.pairs.values()) {
      for (const candidate of [pairQueue.queue[0]?.offset, pairQueue.overflowFrom]) {
        if (candidate !== undefined && candidate !== null && (low === null || candidate < low)) low = candidate;
      }
    }
    return low;
  }

  /** The offset whose predecessor may be committed now; null = nothing new (or the partition is closed). */
  commitTarget(): bigint | null {
    const low = this.firstUnfinished();
    if (low === null || low <= this.committed || this.closed) return null;
    return low;
  }

  /**
   * A pair's queue drained. With an overflow, its records are read again: the offset to seek to (the
   * batch calls reading past it stop), or null when the partition's reading has not passed it yet.
   * Without one, the pair is idle and forgotten: ordered_pairs remembers what is done.
   */
  drained(key: string, pairQueue: PairQueue): { seek: bigint | null } {
    if (pairQueue.overflowFrom === null) {
      this.pairs.delete(key);
      return { seek: null };
    }
    const from = pairQueue.overflowFrom;
    pairQueue.overflowFrom = null;
    if (this.next === null || from >= this.next) return { seek: null };
    this.next = from;
    this.generation += 1;
    return { seek: from };
  }
}
