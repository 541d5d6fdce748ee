import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One WhatsApp business number of a client. */
@Entity({ name: 'channels' })
export class ChannelEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'client_id', type: 'uuid' })
  clientId!: string;

  @Column({ name: 'phone_number_id', type: 'text', unique: true })
  phoneNumberId!: string;

  @Column({ name: 'waba_id', type: 'text' })
  wabaId!: string;

  @Column({ name: 'display_phone_number', type: 'text' })
  displayPhoneNumber!: string;

  /** /multi_webhook switched on (its destinations are the channel's `extra` webhook_destinations) */
  @Column({ name: 'multi_webhook_enabled', type: 'boolean', default: false })
  multiWebhookEnabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
