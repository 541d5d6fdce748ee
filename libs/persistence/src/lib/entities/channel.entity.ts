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

  /** how many partner slots (each with its own key and destinations) the operator allows; 1 = one partner */
  @Column({ name: 'partner_slots', type: 'int', default: 1 })
  partnerSlots!: number;

  /** the slots whose /multi_webhook is switched on (their destinations are `extra` webhook_destinations) */
  @Column({ name: 'multi_webhook_slots', type: 'text', array: true, default: () => "'{}'" })
  multiWebhookSlots!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
