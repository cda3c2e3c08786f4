// The Receipt as the contract shows it to clients.
import type { ReceiptEvent } from './receipt-event.entity';
import type { Receipt } from './receipt.entity';
import type { ReceiptEventSource, ReceiptRefund, ReceiptSource, ReceiptState, ReceiptVerification } from './receipt-state';

export interface ReceiptView {
  receipt: string;
  amount: number;
  phoneNumber: string | null;
  checkoutRequestId: string | null;
  paidAt: string | null;
  source: ReceiptSource;
  paymentId: string | null;
  referralId: string | null;
  state: ReceiptState;
  reason: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  verification: ReceiptVerification | null;
  refund: ReceiptRefund | null;
  createdAt: string;
  updatedAt: string;
}

export interface ReceiptEventView {
  at: string;
  type: string;
  fromState: ReceiptState | null;
  toState: ReceiptState | null;
  source: ReceiptEventSource;
  detail: Record<string, unknown>;
}

export function toReceiptView(r: Receipt): ReceiptView {
  return {
    receipt: r.receipt,
    amount: r.amount,
    phoneNumber: r.phoneNumber,
    checkoutRequestId: r.checkoutRequestId,
    paidAt: r.paidAt,
    source: r.source,
    paymentId: r.paymentId,
    referralId: r.referralId,
    state: r.state,
    reason: r.reason,
    resolvedBy: r.resolvedBy,
    resolvedAt: r.resolvedAt ? r.resolvedAt.toISOString() : null,
    verification: r.verification ?? null,
    refund: r.refund ?? null,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export function toReceiptEventView(e: ReceiptEvent): ReceiptEventView {
  return { at: e.at.toISOString(), type: e.type, fromState: e.fromState, toState: e.toState, source: e.source, detail: e.detail };
}
