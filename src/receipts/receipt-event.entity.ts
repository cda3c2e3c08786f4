import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ReceiptEventSource, ReceiptState } from './receipt-state';

/** A receipt's history: one row per change (and per thing it held up), written in the transaction that made it. */
@Entity('receipt_events')
export class ReceiptEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  receipt!: string;

  @Column({ type: 'timestamptz', insert: false, update: false })
  at!: Date;

  @Column({ type: 'text' })
  type!: string;

  @Column({ name: 'from_state', type: 'text', nullable: true })
  fromState!: ReceiptState | null;

  @Column({ name: 'to_state', type: 'text', nullable: true })
  toState!: ReceiptState | null;

  @Column({ type: 'text' })
  source!: ReceiptEventSource;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  detail!: Record<string, unknown>;
}
