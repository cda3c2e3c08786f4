import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * received: stored, not yet applied; applied: changed its payment; unmatched: no payment has its
 * CheckoutRequestID yet (kept; applied when the push's answer is stored); duplicate: its payment
 * was already final with the same outcome; review: kept for a person (amount mismatch, reused
 * receipt, contradicts a final payment); invalid: not a callback we can read.
 */
export type CallbackState = 'received' | 'applied' | 'unmatched' | 'duplicate' | 'review' | 'invalid';

@Entity('mpesa_callbacks')
export class MpesaCallback {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'dedupe_key', type: 'varchar', length: 64 })
  dedupeKey!: string;

  @Column({ name: 'checkout_request_id', type: 'varchar', length: 100 })
  checkoutRequestId!: string;

  @Column({ name: 'raw_body', type: 'text' })
  rawBody!: string;

  @Column({ name: 'source_ip', type: 'varchar', length: 64, nullable: true })
  sourceIp!: string | null;

  @Column({ type: 'varchar', length: 12, default: 'received' })
  state!: CallbackState;

  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId!: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  note!: string | null;

  @Column({ type: 'integer', default: 1 })
  deliveries!: number;

  @Column({ name: 'received_at', type: 'timestamptz', insert: false, update: false })
  receivedAt!: Date;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt!: Date | null;
}
