// What one STK Push Query answer does to its payment: a pure decision over plain data, which
// PaymentTransitions.recordQueryAnswers writes (for many answers in one batch).
import type { DarajaErrorClass, StkQueryResult } from '../../mpesa/daraja.types';
import { classifyResultCode } from '../../mpesa/result-codes';
import type { PaymentOutcome, SettleOptions } from '../state/payment-settlement.service';
import type { PaymentStatus } from '../payment-status';
import { describeFailure } from '../result-description';
import { ExpiryCause, expiryMessage, queryBackoffMs } from './reconcile-schedule';

/** What one query answer did to its payment. */
export type QueryVerdict = 'completed' | 'failed' | 'pending' | 'expired' | 'ignored' | 'gone';

export interface QueriedPayment {
  status: PaymentStatus;
  queryCount: number;
  /** created_at at or before now minus the expiry, by the database clock */
  expired: boolean;
}

export interface QuerySchedule {
  expiryS: number;
  intervalMs: number;
}

export type QueryDecision =
  /** a final payment: counted, recorded, never changed; `disagrees` when a final answer says otherwise */
  | { verdict: 'ignored'; queryNumber: number; event: Record<string, unknown>; disagrees: boolean }
  /** settled: completed or failed by the answer, or failed as expired */
  | { verdict: 'completed' | 'failed' | 'expired'; queryNumber: number; outcome: PaymentOutcome; options: SettleOptions }
  /** still open: asked again after `backoffMs`, but no later than its expiry */
  | { verdict: 'pending'; queryNumber: number; backoffMs: number; event: Record<string, unknown> };

export function decideQueryAnswer(payment: QueriedPayment, checkoutRequestId: string, answer: StkQueryResult, schedule: QuerySchedule): QueryDecision {
  const queryNumber = payment.queryCount + 1;
  const about = { checkoutRequestId, queryNumber, ...describeAnswer(answer) };
  if (payment.status !== 'pending') {
    const disagrees = answer.kind === 'final' && classifyResultCode(answer.resultCode).outcome !== payment.status;
    return { verdict: 'ignored', queryNumber, disagrees, event: { ...about, applied: false, note: `payment already ${payment.status}; a status query never changes a final payment` } };
  }
  if (answer.kind === 'final') {
    const { outcome, reason } = classifyResultCode(answer.resultCode);
    const resultDesc = answer.resultDesc || null;
    return {
      verdict: outcome,
      queryNumber,
      outcome:
        outcome === 'completed'
          ? // The query never carries the receipt: mpesaTransactionId stays null unless a callback brings it.
            { status: 'completed', resultCode: answer.resultCode, resultDesc, receipt: null }
          : { status: 'failed', resultCode: answer.resultCode, resultDesc, errorMessage: describeFailure(answer.resultCode, resultDesc, reason) },
      options: { source: 'reconciliation', detail: { via: 'status-query', checkoutRequestId, queryNumber } },
    };
  }
  if (payment.expired) {
    const cause: ExpiryCause = answer.kind === 'processing' ? { kind: 'still-processing' } : { kind: 'query-unanswered', errorMessage: answer.errorMessage };
    return {
      verdict: 'expired',
      queryNumber,
      outcome: { status: 'failed', resultCode: null, resultDesc: null, errorMessage: expiryMessage(schedule.expiryS, cause) },
      options: { source: 'reconciliation', eventType: 'expired', detail: { ...about, expirySeconds: schedule.expiryS } },
    };
  }
  return { verdict: 'pending', queryNumber, backoffMs: queryBackoffMs(queryNumber, schedule.intervalMs), event: about };
}

const ERROR_NOTES: Record<DarajaErrorClass, string> = {
  indeterminate: 'no usable answer (busy, spike arrest, network); asked again later',
  permanent: 'Daraja refused the query itself (e.g. an unknown CheckoutRequestID); that never fails a payment, asked again later',
  token: 'no working Daraja access token; asked again later',
  // The client reports these as indeterminate for a query; kept so every class has its words.
  retryable: 'Daraja refused the query for now; asked again later',
};

/** A query answer, as a payment event's detail shows it. */
export function describeAnswer(answer: StkQueryResult): Record<string, unknown> {
  switch (answer.kind) {
    case 'final':
      return { answer: 'final', resultCode: answer.resultCode, resultDesc: answer.resultDesc };
    case 'processing':
      return { answer: 'processing' };
    case 'error':
      return {
        answer: 'error',
        errorClass: answer.errorClass,
        ...(answer.httpStatus !== null ? { httpStatus: answer.httpStatus } : {}),
        ...(answer.errorCode !== null ? { errorCode: answer.errorCode } : {}),
        errorMessage: answer.errorMessage,
        note: ERROR_NOTES[answer.errorClass],
      };
  }
}
