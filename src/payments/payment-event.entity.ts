import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { PaymentEventSource, PaymentStatus } from './payment-status';

/** A payment's history: one row per change, written in the transaction that made it. */
@Entity('payment_events')
export class PaymentEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'payment_id', type: 'uuid' })
  paymentId!: string;

  @Column({ type: 'timestamptz', insert: false, update: false })
  at!: Date;

  @Column({ type: 'varchar', length: 40 })
  type!: string;

  @Column({ name: 'from_status', type: 'varchar', length: 10, nullable: true })
  fromStatus!: PaymentStatus | null;

  @Column({ name: 'to_status', type: 'varchar', length: 10, nullable: true })
  toStatus!: PaymentStatus | null;

  @Column({ type: 'varchar', length: 20 })
  source!: PaymentEventSource;

  @Column({ name: 'actor_role', type: 'varchar', length: 20, nullable: true })
  actorRole!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  detail!: Record<string, unknown>;
}
