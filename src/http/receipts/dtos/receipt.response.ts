// The Receipt, its history and its list page as OpenAPI models; `implements` keeps them in step with the view.
import { ApiProperty } from '@nestjs/swagger';
import { REFUND_STATUSES, RECEIPT_SOURCES, RECEIPT_STATES, ReceiptEventSource, ReceiptRefund, ReceiptSource, ReceiptState, ReceiptVerification, RefundStatus, VERIFICATION_STATUSES, VerificationStatus } from '../../../receipts/receipt-state';
import type { ReceiptEventView, ReceiptView } from '../../../receipts/receipt.view';

const RECEIPT_EVENT_SOURCES: readonly ReceiptEventSource[] = ['callback', 'admin', 'migration', 'api', 'ledger'];

export class ReceiptVerificationResponse implements ReceiptVerification {
  @ApiProperty({ enum: VERIFICATION_STATUSES, enumName: 'VerificationStatus', description: '`pending`: asked, no result yet (a lost result is asked again, never read as a failure); `confirmed`: M-Pesa has it for this amount; `unknown-receipt`: M-Pesa does not know it (2032); `differs`: M-Pesa has it for another amount.', example: 'confirmed' })
  status!: VerificationStatus;

  @ApiProperty({ type: 'integer', nullable: true, description: 'The amount M-Pesa reports.', example: 1000 })
  amount!: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'The payer M-Pesa reports (2547XXXXXXXX when it gives a readable number).', example: '254708374149' })
  payer!: string | null;

  @ApiProperty({ type: String, nullable: true, description: "The Transaction Status result's ResultCode, as text.", example: '0' })
  resultCode!: string | null;

  @ApiProperty({ format: 'date-time', example: '2025-11-21T09:16:02.000Z' })
  at!: string;
}

export class ReceiptRefundResponse implements ReceiptRefund {
  @ApiProperty({ enum: REFUND_STATUSES, enumName: 'RefundStatus', description: '`pending` until the Reversal\'s result (or a check of the original receipt) settles it; never sent twice.', example: 'pending' })
  status!: RefundStatus;

  @ApiProperty({ type: String, nullable: true, description: "The reversal's own M-Pesa receipt.", example: null })
  reversalReceipt!: string | null;

  @ApiProperty({ type: String, nullable: true, description: "The Reversal result's ResultCode (`R000001`: already reversed, counted as refunded).", example: null })
  resultCode!: string | null;

  @ApiProperty({ example: 'Patient paid twice' })
  reason!: string;

  @ApiProperty({ description: 'The role of the key that asked for the refund.', example: 'admin' })
  requestedBy!: string;

  @ApiProperty({ format: 'date-time', example: '2025-11-21T09:16:02.000Z' })
  at!: string;
}

export class ReceiptResponse implements ReceiptView {
  @ApiProperty({ description: 'The M-Pesa receipt number (MpesaReceiptNumber), as received.', example: 'SGR7HJ2K4L' })
  receipt!: string;

  @ApiProperty({ type: 'integer', description: 'Whole KES M-Pesa reported paid.', example: 1000 })
  amount!: number;

  @ApiProperty({ type: String, nullable: true, description: 'The paying number, 2547XXXXXXXX; null when Daraja masked or left it out.', example: '254708374149' })
  phoneNumber!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The CheckoutRequestID the callback carried.', example: 'ws_CO_21112025091412345708374149' })
  checkoutRequestId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'TransactionDate exactly as M-Pesa sent it (normally YYYYMMDDHHmmss, Nairobi time); odd forms are kept.', example: '20251121091530' })
  paidAt!: string | null;

  @ApiProperty({ enum: RECEIPT_SOURCES, enumName: 'ReceiptSource', example: 'callback' })
  source!: ReceiptSource;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: '`applied`: the payment it paid. `review`, `refund-due`: the payment whose CheckoutRequestID it carries. Otherwise null.' })
  paymentId!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: "That payment's referral." })
  referralId!: string | null;

  @ApiProperty({ enum: RECEIPT_STATES, enumName: 'ReceiptState', description: 'applied, unmatched (no payment determined), review (contradicts what the service knows), refund-due (the referral was already paid), refunded, refund-failed, dismissed (forged, or an admin decided).', example: 'applied' })
  state!: ReceiptState;

  @ApiProperty({ type: String, nullable: true, description: 'Why it is in this state (the evidence rule, or the admin\'s reason).', example: null })
  reason!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The role of the key that resolved it by hand.', example: null })
  resolvedBy!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  resolvedAt!: string | null;

  @ApiProperty({ type: ReceiptVerificationResponse, nullable: true, description: 'The last Transaction Status check of the receipt; null when never checked.' })
  verification!: ReceiptVerificationResponse | null;

  @ApiProperty({ type: ReceiptRefundResponse, nullable: true, description: 'Its refund; null when none was asked for.' })
  refund!: ReceiptRefundResponse | null;

  @ApiProperty({ format: 'date-time', description: 'When the service first heard of it.', example: '2025-11-21T09:15:31.120Z' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', example: '2025-11-21T09:15:31.120Z' })
  updatedAt!: string;
}

export class ReceiptEventResponse implements ReceiptEventView {
  @ApiProperty({ format: 'date-time', example: '2025-11-21T09:15:31.120Z' })
  at!: string;

  @ApiProperty({ description: 'recorded, state-changed, attached, dismissed, applied-by-admin, replaced, payment-withheld.', example: 'recorded' })
  type!: string;

  @ApiProperty({ enum: RECEIPT_STATES, enumName: 'ReceiptState', nullable: true, example: null })
  fromState!: ReceiptState | null;

  @ApiProperty({ enum: RECEIPT_STATES, enumName: 'ReceiptState', nullable: true, example: 'unmatched' })
  toState!: ReceiptState | null;

  @ApiProperty({ enum: RECEIPT_EVENT_SOURCES, example: 'callback' })
  source!: ReceiptEventSource;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What the change was based on: the callback, the payment, the admin\'s role and reason.', example: { callbackId: '7a1f0c52-4b8e-4f5e-9a59-2f0c6b1d8e41' } })
  detail!: Record<string, unknown>;
}

export class ReceiptWithEventsResponse extends ReceiptResponse {
  @ApiProperty({ type: ReceiptEventResponse, isArray: true, description: 'Its history, oldest first.' })
  events!: ReceiptEventResponse[];
}

export class ReceiptPageResponse {
  @ApiProperty({ type: ReceiptResponse, isArray: true })
  items!: ReceiptResponse[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.', example: null })
  nextCursor!: string | null;
}
