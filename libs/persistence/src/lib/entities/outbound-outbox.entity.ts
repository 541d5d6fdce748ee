import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A whatsapp.outbound.v1 event Kafka did not acknowledge in time, kept until the gateway's relay
 * published it (migration 1764096100000): ids, type, template and times only, never a recipient or
 * content. One row per wamid.
 */
@Entity({ name: 'outbound_outbox' })
export class OutboundOutboxEntity {
  /** bigserial: the relay's order */
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ type: 'text', unique: true })
  wamid!: string;

  @Column({ name: 'phone_number_id', type: 'text' })
  phoneNumberId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @Column({ name: 'client_id', type: 'uuid' })
  clientId!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ name: 'template_name', type: 'text', nullable: true })
  templateName!: string | null;

  @Column({ name: 'template_language', type: 'text', nullable: true })
  templateLanguage!: string | null;

  @Column({ name: 'accepted_at', type: 'timestamptz' })
  acceptedAt!: Date;

  @CreateDateColumn({ name: 'kept_at', type: 'timestamptz' })
  keptAt!: Date;
}
