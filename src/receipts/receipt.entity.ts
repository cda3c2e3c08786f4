import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ReceiptRefund, ReceiptSource, ReceiptState, ReceiptVerification } from './receipt-state';

/** One M-Pesa receipt number the service has heard of, and what became of it. */
@Entity('receipts')
export class Receipt {
  /** MpesaReceiptNumber, as received. */
  @PrimaryColumn({ type: 'text' })
  receipt!: string;

  /** Insertion order: ties of created_at in the list. */
  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column({ type: 'integer' })
  amount!: number;

  /** Normalised; null when Daraja masked or left it out. */
  @Column({ name: 'phone_number', type: 'text', nullable: true })
  phoneNumber!: string | null;

  @Column({ name: 'checkout_request_id', type: 'text', nullable: true })
  checkoutRequestId!: string | null;

  /** TransactionDate as Daraja sent it, odd forms included. */
  @Column({ name: 'paid_at', type: 'text', nullable: true })
  paidAt!: string | null;

  @Column({ type: 'text' })
  source!: ReceiptSource;

  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId!: string | null;

  @Column({ name: 'referral_id', type: 'uuid', nullable: true })
  referralId!: string | null;

  @Column({ type: 'text' })
  state!: ReceiptState;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'resolved_by', type: 'text', nullable: true })
  resolvedBy!: string | null;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;

  /** The last Transaction Status asked about it (POST /verify, or before it completes a payment). */
  @Column({ type: 'jsonb', nullable: true })
  verification!: ReceiptVerification | null;

  /** Its refund (one Reversal of the full amount, ever). */
  @Column({ type: 'jsonb', nullable: true })
  refund!: ReceiptRefund | null;

  @Column({ name: 'created_at', type: 'timestamptz', insert: false, update: false })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
