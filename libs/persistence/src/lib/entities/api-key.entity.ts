import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A channel's API key, stored only as the SHA-256 of the key. Who holds it is not recorded. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  /** the partner slot the key acts for: an anonymous label, `1` unless the channel has several slots */
  @Column({ type: 'text', default: '1' })
  slot!: string;

  @Column({ name: 'key_hash', type: 'text', unique: true })
  keyHash!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
