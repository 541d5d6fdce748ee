import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One partner recover (POST /v1/deliveries/recover), migration 1764096240000: which key asked, when, how many events it queued. */
@Entity({ name: 'recover_requests' })
export class RecoverRequestEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'api_key_id', type: 'uuid' })
  apiKeyId!: string;

  @Column({ name: 'requested_at', type: 'timestamptz', default: () => 'now()' })
  requestedAt!: Date;

  @Column({ type: 'int', nullable: true })
  queued!: number | null;
}
