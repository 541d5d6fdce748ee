import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Template sends per client, channel, template, language and UTC day. */
@Entity({ name: 'template_send_counts' })
export class TemplateSendCountEntity {
  @PrimaryColumn({ name: 'client_id', type: 'uuid' })
  clientId!: string;

  @PrimaryColumn({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @PrimaryColumn({ name: 'template_name', type: 'text' })
  templateName!: string;

  @PrimaryColumn({ type: 'text' })
  language!: string;

  @PrimaryColumn({ type: 'date' })
  day!: string;

  @Column({ type: 'bigint' })
  count!: string;
}

/** Priced messages (statuses carrying pricing) per client, channel, category, pricing type and UTC day. */
@Entity({ name: 'priced_message_counts' })
export class PricedMessageCountEntity {
  @PrimaryColumn({ name: 'client_id', type: 'uuid' })
  clientId!: string;

  @PrimaryColumn({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @PrimaryColumn({ type: 'text' })
  category!: string;

  @PrimaryColumn({ name: 'pricing_type', type: 'text' })
  pricingType!: string;

  @PrimaryColumn({ type: 'date' })
  day!: string;

  @Column({ type: 'bigint' })
  count!: string;
}

/** One row per counted (kind, wamid): the unique key that makes counting idempotent. */
@Entity({ name: 'metering_dedupe' })
export class MeteringDedupeEntity {
  @PrimaryColumn({ type: 'text' })
  kind!: string;

  @PrimaryColumn({ type: 'text' })
  wamid!: string;

  @Column({ name: 'counted_at', type: 'timestamptz' })
  countedAt!: Date;
}
