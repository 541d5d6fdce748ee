import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type DestinationKind = 'primary' | 'extra';

/**
 * Where a channel's events go: the primary webhook (set with /v1/configs/webhook, last writer wins)
 * or a named /multi_webhook destination. The router reads this at every attempt.
 */
@Entity({ name: 'webhook_destinations' })
export class WebhookDestinationEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @Column({ type: 'text' })
  kind!: DestinationKind;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  url!: string;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  headers!: Record<string, string>;

  @Column({ name: 'signing_secret', type: 'text' })
  signingSecret!: string;

  /** the secret before the last rotation: signatures with it too, until previousSecretExpiresAt */
  @Column({ name: 'previous_signing_secret', type: 'text', nullable: true })
  previousSigningSecret!: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt!: Date | null;

  @Column({ name: 'on_premise_format', type: 'boolean', default: false })
  onPremiseFormat!: boolean;

  @Column({ name: 'app_secret', type: 'text', nullable: true })
  appSecret!: string | null;

  @Column({ type: 'boolean', default: false })
  ordered!: boolean;

  /** which changes it receives (Meta change fields, `messages.inbound`, `messages.statuses`); null = everything */
  @Column({ type: 'text', array: true, nullable: true })
  events!: string[] | null;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
