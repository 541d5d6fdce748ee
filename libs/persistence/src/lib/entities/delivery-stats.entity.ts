import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Per destination slot and minute, what the routers saw (migration 1764096180000): attempts, 2xx
 * answers, a latency histogram (counts per DELIVERY_STATS_LATENCY_BOUNDS_MS bucket), the last error
 * class and the breaker's state. Counts only. bigint columns as strings.
 */
@Entity({ name: 'delivery_stats' })
export class DeliveryStatsEntity {
  @PrimaryColumn({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @PrimaryColumn({ type: 'text' })
  slot!: string;

  @PrimaryColumn({ type: 'timestamptz' })
  minute!: Date;

  @Column({ type: 'bigint', default: 0 })
  attempts!: string;

  @Column({ type: 'bigint', default: 0 })
  delivered!: string;

  @Column({ name: 'latency_buckets', type: 'bigint', array: true })
  latencyBuckets!: string[];

  @Column({ name: 'latency_max_ms', type: 'int', default: 0 })
  latencyMaxMs!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'last_error_at', type: 'timestamptz', nullable: true })
  lastErrorAt!: Date | null;

  @Column({ name: 'breaker_state', type: 'text', nullable: true })
  breakerState!: string | null;

  @Column({ name: 'breaker_at', type: 'timestamptz', nullable: true })
  breakerAt!: Date | null;
}
