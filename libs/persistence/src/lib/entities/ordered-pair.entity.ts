import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One channel/destination slot that ever had to park an event for ordered delivery (migration
 * 1764094800000): sequence numbers only, never a payload. Parked while `deliveredSeq < parkedSeq`;
 * `head*` keep the blocked head's retry schedule across router restarts. bigint columns as strings.
 */
@Entity({ name: 'ordered_pairs' })
export class OrderedPairEntity {
  @PrimaryColumn({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @PrimaryColumn({ type: 'text' })
  slot!: string;

  @Column({ name: 'parked_seq', type: 'bigint' })
  parkedSeq!: string;

  @Column({ name: 'delivered_seq', type: 'bigint', default: 0 })
  deliveredSeq!: string;

  @Column({ name: 'head_seq', type: 'bigint', nullable: true })
  headSeq!: string | null;

  @Column({ name: 'head_attempt', type: 'int', nullable: true })
  headAttempt!: number | null;

  @Column({ name: 'head_due_at', type: 'timestamptz', nullable: true })
  headDueAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
