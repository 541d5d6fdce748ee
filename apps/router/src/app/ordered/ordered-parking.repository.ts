import { Inject, Injectable } from '@nestjs/common';
import type { DeliveryErrorClass } from '@wabridge/contracts';
import type { OutgoingRecord } from '@wabridge/kafka';
import type { DataSource, EntityManager } from 'typeorm';
import { ROUTER_CONFIG, type RouterConfig } from '../../config/router.config';
import { parkedRecord, type InboundEvent, type OrderedPair } from '../records/event-records';
import { ROUTER_DATA_SOURCE, ROUTER_PRODUCER } from '../router.tokens';

/** What the parking lane needs to resume a pair after a restart. */
export interface PairProgress {
  /** the last sequence number delivered (or dead-lettered): anything at or below it is done */
  deliveredSeq: bigint;
  /** the blocked head's retry state, so a restart keeps its schedule */
  head: { seq: bigint; attempt: number; dueAt: Date } | null;
}

export interface ParkInput {
  attempt: number;
  dueAt: Date | null;
  reason: DeliveryErrorClass;
  sourceOffset?: string;
}

interface Producer {
  send(topic: string, records: OutgoingRecord[]): Promise<void>;
}

/**
 * The durable state of `ordered` destinations (table ordered_pairs, sequence numbers only) and the
 * parking lane it guards. A pair is parked while `delivered_seq < parked_seq`. Appending to the lane
 * happens under the pair's row lock, and the lane marks progress under the same lock, so a pair is
 * released only after its last parked event: a fresh event either joins the queue or is attempted
 * directly, never overtakes one.
 */
@Injectable()
export class OrderedParkingRepository {
  /** the parking lane, partner.deliveries.ordered.v1 */
  private readonly topic: string;

  constructor(
    @Inject(ROUTER_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(ROUTER_PRODUCER) private readonly producer: Producer,
    @Inject(ROUTER_CONFIG) config: RouterConfig,
  ) {
    this.topic = config.topics.ordered;
  }

  /**
   * Appends the event to its pair's queue when the pair is parked; false = not parked, attempt it
   * directly. Only the first-attempt lane parks a pair, one event of the pair at a time, so "not
   * parked" cannot change under it: the healthy path costs one read, not a transaction.
   */
  async appendIfParked(pair: OrderedPair, event: InboundEvent, input: ParkInput): Promise<boolean> {
    const rows: { parked: boolean }[] = await this.dataSource.query(
      `SELECT delivered_seq < parked_seq AS parked FROM ordered_pairs WHERE channel_id = $1 AND slot = $2`,
      [pair.channelId, pair.slot],
    );
    if (!rows[0]?.parked) return false;
    return this.dataSource.transaction(async (manager) => {
      const seq = await this.nextSeq(
        manager,
        `UPDATE ordered_pairs SET parked_seq = GREATEST(parked_seq, delivered_seq) + 1, updated_at = now()
         WHERE channel_id = $1 AND slot = $2 AND delivered_seq < parked_seq
         RETURNING parked_seq::text AS seq`,
        pair,
      );
      if (seq === null) return false;
      await this.producer.send(this.topic, [parkedRecord(event, { pair, seq, ...input })]);
      return true;
    });
  }

  /**
   * Parks the pair with this event at the head of its queue: its first attempt failed. If the commit
   * fails after the record was written, the lane may deliver it twice; it never skips it.
   */
  park(pair: OrderedPair, event: InboundEvent, input: ParkInput): Promise<void> {
    return this.dataSource.transaction(async (manager) => {
      const seq = await this.nextSeq(
        manager,
        `INSERT INTO ordered_pairs AS p (channel_id, slot, parked_seq) VALUES ($1, $2, 1)
         ON CONFLICT (channel_id, slot) DO UPDATE
           SET parked_seq = GREATEST(p.parked_seq, p.delivered_seq) + 1, updated_at = now()
         RETURNING parked_seq::text AS seq`,
        pair,
      );
      if (seq === null) throw new Error('ordered pair could not be parked');
      await this.producer.send(this.topic, [parkedRecord(event, { pair, seq, ...input })]);
    });
  }

  /** Where the lane stands for a pair; a pair never parked has delivered nothing and has no head. */
  async progress(pair: OrderedPair): Promise<PairProgress> {
    const rows: { delivered_seq: string; head_seq: string | null; head_attempt: number | null; head_due_at: Date | null }[] = await this.dataSource.query(
      `SELECT delivered_seq::text, head_seq::text, head_attempt, head_due_at FROM ordered_pairs WHERE channel_id = $1 AND slot = $2`,
      [pair.channelId, pair.slot],
    );
    const row = rows[0];
    if (!row) return { deliveredSeq: 0n, head: null };
    const head =
      row.head_seq !== null && row.head_attempt !== null && row.head_due_at !== null
        ? { seq: BigInt(row.head_seq), attempt: row.head_attempt, dueAt: row.head_due_at }
        : null;
    return { deliveredSeq: BigInt(row.delivered_seq), head };
  }

  /** The head failed again: remember its next attempt across restarts. */
  async scheduleHead(pair: OrderedPair, seq: bigint, attempt: number, dueAt: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE ordered_pairs SET head_seq = $3, head_attempt = $4, head_due_at = $5, updated_at = now()
       WHERE channel_id = $1 AND slot = $2`,
      [pair.channelId, pair.slot, seq.toString(), attempt, dueAt],
    );
  }

  /** The event with this sequence number is done (delivered, dead-lettered or dropped by a 410). */
  async markDone(pair: OrderedPair, seq: bigint): Promise<void> {
    await this.dataSource.query(
      `UPDATE ordered_pairs
          SET delivered_seq = GREATEST(delivered_seq, $3), head_seq = NULL, head_attempt = NULL, head_due_at = NULL,
              updated_at = now()
        WHERE channel_id = $1 AND slot = $2`,
      [pair.channelId, pair.slot, seq.toString()],
    );
  }

  /** Pairs with events waiting (the metric of parked pairs). */
  async parkedPairs(): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(`SELECT count(*)::int AS n FROM ordered_pairs WHERE delivered_seq < parked_seq`);
    return rows[0]?.n ?? 0;
  }

  private async nextSeq(manager: EntityManager, sql: string, pair: OrderedPair): Promise<bigint | null> {
    const raw: unknown = await manager.query(sql, [pair.channelId, pair.slot]);
    // node-postgres via TypeORM answers an UPDATE with [rows, affectedCount], an INSERT with its rows
    const rows = (Array.isArray(raw) && Array.isArray(raw[0]) ? raw[0] : raw) as { seq: string }[];
    return rows[0] ? BigInt(rows[0].seq) : null;
  }
}
