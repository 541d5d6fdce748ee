import type { ParkedTicket } from '../records/event-records';
import { PairQueue, PartitionState, waitMs } from './ordered-state';

const pair = { channelId: '00000000-0000-4000-8000-00000000000a', slot: 'primary' };
const fresh = { deliveredSeq: 0n, head: null };

function ticket(seq: bigint, attempt = 2, dueAt: Date | null = null): ParkedTicket {
  return {
    event: {
      eventId: `evt_${seq}`,
      receivedAt: new Date('2025-01-01T00:00:00Z'),
      phoneNumberId: '111',
      wabaId: 'W1',
      key: '111',
      value: Buffer.from('{}'),
      headers: {},
    },
    pair,
    seq,
    attempt,
    dueAt,
  };
}

describe('ordered parking lane state', () => {
  describe('PairQueue.admit', () => {
    it('queues records in sequence and skips what was already queued or done', () => {
      const queue = new PairQueue(pair, { deliveredSeq: 2n, head: null });
      expect(queue.admit(10n, ticket(2n), 5)).toBe('skipped');
      expect(queue.admit(11n, ticket(3n), 5)).toBe('queued');
      expect(queue.admit(12n, ticket(4n), 5)).toBe('queued');
      // a re-read after a seek or a rebalance brings records already queued again
      expect(queue.admit(11n, ticket(3n), 5)).toBe('skipped');
      expect(queue.queue.map((parked) => parked.offset)).toEqual([11n, 12n]);
      expect(queue.lastSeq).toBe(4n);
    });

    it('leaves the records beyond the buffer unread, from the first one that did not fit', () => {
      const queue = new PairQueue(pair, fresh);
      expect(queue.admit(1n, ticket(1n), 2)).toBe('queued');
      expect(queue.admit(2n, ticket(2n), 2)).toBe('queued');
      expect(queue.admit(3n, ticket(3n), 2)).toBe('overflow');
      // once overflowing, later records wait for the re-read even when the queue has room again
      queue.headDone();
      expect(queue.admit(4n, ticket(4n), 2)).toBe('skipped');
      expect(queue.overflowFrom).toBe(3n);
      expect(queue.lastSeq).toBe(2n);
    });
  });

  describe('PairQueue.resumeOf', () => {
    it('resumes a head from the schedule stored before a restart when it is further along', () => {
      const dueAt = new Date('2025-01-01T00:05:00Z');
      const queue = new PairQueue(pair, { deliveredSeq: 0n, head: { seq: 1n, attempt: 4, dueAt } });
      queue.admit(7n, ticket(1n, 2, null), 5);
      expect(queue.resumeOf(queue.queue[0])).toEqual({ attempt: 4, dueAt });
    });

    it('keeps the ticket’s own schedule for another head, or when the stored one is behind', () => {
      const stored = { seq: 1n, attempt: 2, dueAt: new Date('2025-01-01T00:05:00Z') };
      const ticketDue = new Date('2025-01-01T00:06:00Z');
      const queue = new PairQueue(pair, { deliveredSeq: 0n, head: stored });
      queue.admit(7n, ticket(1n, 3, ticketDue), 5);
      queue.admit(8n, ticket(2n, 2, null), 5);
      expect(queue.resumeOf(queue.queue[0])).toEqual({ attempt: 3, dueAt: ticketDue });
      expect(queue.resumeOf(queue.queue[1])).toEqual({ attempt: 2, dueAt: null });
    });

    it('forgets the stored schedule once the head is done', () => {
      const queue = new PairQueue(pair, { deliveredSeq: 0n, head: { seq: 1n, attempt: 4, dueAt: new Date() } });
      queue.admit(7n, ticket(1n), 5);
      queue.admit(8n, ticket(2n), 5);
      queue.headDone();
      expect(queue.head).toBeNull();
      expect(queue.queue.map((parked) => parked.ticket.seq)).toEqual([2n]);
    });
  });

  it('waits for a due time still ahead, and not at all without one', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(waitMs(new Date(now + 1500), now)).toBe(1500);
    expect(waitMs(new Date(now - 10), now)).toBeLessThanOrEqual(0);
    expect(waitMs(null, now)).toBe(0);
  });

  describe('PartitionState', () => {
    it('commits up to the first unfinished record: a blocked head holds the commit back, not the reading', () => {
      const partition = new PartitionState();
      expect(partition.commitTarget()).toBeNull();
      const blocked = new PairQueue(pair, fresh);
      blocked.admit(4n, ticket(1n), 5);
      partition.pairs.set('a', blocked);
      partition.next = 10n;
      expect(partition.firstUnfinished()).toBe(4n);
      expect(partition.commitTarget()).toBe(4n);

      partition.committed = 4n;
      expect(partition.commitTarget()).toBeNull();
      blocked.headDone();
      expect(partition.commitTarget()).toBe(10n);
    });

    it('counts a pair’s unread overflow as unfinished', () => {
      const partition = new PartitionState();
      const full = new PairQueue(pair, fresh);
      full.admit(5n, ticket(1n), 1);
      full.admit(6n, ticket(2n), 1);
      full.headDone();
      partition.pairs.set('a', full);
      partition.next = 9n;
      expect(partition.firstUnfinished()).toBe(6n);
    });

    it('commits nothing once closed (the partition may belong to another member now)', () => {
      const partition = new PartitionState();
      partition.next = 3n;
      partition.closed = true;
      expect(partition.commitTarget()).toBeNull();
    });

    it('forgets a drained pair without overflow', () => {
      const partition = new PartitionState();
      const idle = new PairQueue(pair, fresh);
      partition.pairs.set('a', idle);
      partition.next = 8n;
      expect(partition.drained('a', idle)).toEqual({ seek: null });
      expect(partition.pairs.has('a')).toBe(false);
      expect(partition.generation).toBe(0);
    });

    it('re-reads a drained pair’s overflow with a seek that stops the batch calls reading past it', () => {
      const partition = new PartitionState();
      const full = new PairQueue(pair, fresh);
      full.admit(5n, ticket(1n), 1);
      full.admit(6n, ticket(2n), 1);
      full.headDone();
      partition.pairs.set('a', full);
      partition.next = 9n;
      expect(partition.drained('a', full)).toEqual({ seek: 6n });
      expect(partition.next).toBe(6n);
      expect(partition.generation).toBe(1);
      expect(full.overflowFrom).toBeNull();
      // the pair stays known: its lastSeq skips what it already delivered when the records come again
      expect(partition.pairs.get('a')).toBe(full);
      expect(full.admit(6n, ticket(2n), 1)).toBe('queued');
    });

    it('needs no seek when the reading has not passed the overflow yet', () => {
      const partition = new PartitionState();
      const full = new PairQueue(pair, fresh);
      full.overflowFrom = 6n;
      partition.pairs.set('a', full);
      partition.next = 6n;
      expect(partition.drained('a', full)).toEqual({ seek: null });
      expect(partition.generation).toBe(0);
      expect(full.overflowFrom).toBeNull();
    });
  });
});
