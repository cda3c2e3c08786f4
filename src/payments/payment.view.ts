// The Payment as the contract shows it to clients.
import type { PaymentEvent } from './payment-event.entity';
import type { Payment } from './payment.entity';
import type { PaymentEventSource, PaymentStatus } from './payment-status';

export interface PaymentView {
  id: string;
  referralId: string;
  phoneNumber: string;
  amount: number;
  status: PaymentStatus;
  stkRequestId: string | null;
  merchantRequestId: string | null;
  mpesaTransactionId: string | null;
  resultCode: string | null;
  resultDesc: string | null;
  errorMessage: string | null;
  attempts: number;
  retryOf: string | null;
  accountReference: string;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}

export interface PaymentEventView {
  at: string;
  type: string;
  fromStatus: PaymentStatus | null;
  toStatus: PaymentStatus | null;
  source: PaymentEventSource;
  detail: Record<string, unknown>;
}

export function toPaymentView(payment: Payment): PaymentView {
  return {
    id: payment.id,
    referralId: payment.referralId,
    phoneNumber: payment.phoneNumber,
    amount: payment.amount,
    status: payment.status,
    stkRequestId: payment.stkRequestId,
    merchantRequestId: payment.merchantRequestId,
    mpesaTransactionId: payment.mpesaTransactionId,
    resultCode: payment.resultCode,
    resultDesc: payment.resultDesc,
    errorMessage: payment.errorMessage,
    attempts: payment.attempts,
    retryOf: payment.retryOf,
    accountReference: payment.accountReference,
    createdAt: payment.createdAt.toISOString(),
    updatedAt: payment.updatedAt.toISOString(),
    completedAt: payment.completedAt ? payment.completedAt.toISOString() : null,
  };
}

export function toPaymentEventView(event: PaymentEvent): PaymentEventView {
  return {
    at: event.at.toISOString(),
    type: event.type,
    fromStatus: event.fromStatus,
    toStatus: event.toStatus,
    source: event.source,
    detail: event.actorRole ? { ...event.detail, role: event.actorRole } : event.detail,
  };
}
