import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Confirmation } from '../evidence';

/**
 * received: stored, not yet applied; applied: changed its payment; unmatched: no payment has its
 * CheckoutRequestID yet (kept; applied when the push's answer is stored); duplicate: its payment
 * was already final with the same outcome; review: kept for a person (amount mismatch, reused
 * receipt, contradicts a final payment; a note starting `refund-due:` is money for a referral
 * another payment already paid); invalid: not a callback we can read; set-aside: applying
 * it failed (the reason is in note and last_error), so it waits for a person instead of for ever;
 * dismissed: forged (Daraja does not know its CheckoutRequestID); nothing was changed.
 * Which move leads where: callback-state.machine.ts; CallbackStore writes them.
 */
export type CallbackState = 'received' | 'applied' | 'unmatched' | 'duplicate' | 'review' | 'invalid' | 'set-aside' | 'dismissed';

@Entity('mpesa_callbacks')
export class MpesaCallback {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'dedupe_key', type: 'varchar', length: 64 })
  dedupeKey!: string;

  @Column({ name: 'checkout_request_id', type: 'text' })
  checkoutRequestId!: string;

  @Column({ name: 'raw_body', type: 'text' })
  rawBody!: string;

  @Column({ name: 'source_ip', type: 'varchar', length: 64, nullable: true })
  sourceIp!: string | null;

  @Column({ type: 'varchar', length: 12, default: 'received' })
  state!: CallbackState;

  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId!: string | null;

  @Column({ type: 'text', nullable: true })
  note!: string | null;

  /** Times applying it failed; past a limit (or at once for bad data) it is set aside. */
  @Column({ name: 'apply_failures', type: 'integer', default: 0 })
  applyFailures!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ type: 'integer', default: 1 })
  deliveries!: number;

  /** Whether Daraja knows its CheckoutRequestID (STK Push Query); asked only when no push of ours holds the id. */
  @Column({ type: 'varchar', length: 10, nullable: true })
  confirmation!: Confirmation | null;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt!: Date | null;

  @Column({ name: 'received_at', type: 'timestamptz', insert: false, update: false })
  receivedAt!: Date;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt!: Date | null;
}
