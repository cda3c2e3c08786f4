import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ResultKind } from '../../config/app-config';

/** received: stored as Daraja sent it, not yet applied; applied: to its request (note says how); unmatched: no request of ours, or unreadable. */
export type MpesaResultState = 'received' | 'applied' | 'unmatched';

@Entity('mpesa_results')
export class MpesaResult {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 20 })
  kind!: ResultKind;

  @Column({ name: 'conversation_id', type: 'varchar', length: 100, nullable: true })
  conversationId!: string | null;

  @Column({ name: 'originator_conversation_id', type: 'varchar', length: 100, nullable: true })
  originatorConversationId!: string | null;

  @Column({ name: 'dedupe_key', type: 'varchar', length: 64 })
  dedupeKey!: string;

  @Column({ name: 'raw_body', type: 'text' })
  rawBody!: string;

  @Column({ name: 'source_ip', type: 'varchar', length: 64, nullable: true })
  sourceIp!: string | null;

  @Column({ name: 'queue_timeout', type: 'boolean', default: false })
  queueTimeout!: boolean;

  @Column({ type: 'integer', default: 1 })
  deliveries!: number;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;

  @Column({ type: 'varchar', length: 12, default: 'received' })
  state!: MpesaResultState;

  @Column({ type: 'varchar', length: 500, nullable: true })
  note!: string | null;
}
