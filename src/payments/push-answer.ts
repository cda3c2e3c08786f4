// What an "accepted" answer from Daraja does to its payment. Daraja's answer is a fact about the
// push: it is stored whatever the job's bookkeeping says (another run of a stalled job, or the
// sweeper, may have marked the push indeterminate meanwhile; the payment may even have expired).
// Only a contradiction (the payment, or another payment, already holds another id) is not stored.
import type { PaymentStatus, PushState } from './payment-status';

export interface PushAnswerTarget {
  status: PaymentStatus;
  pushState: PushState;
  stkRequestId: string | null;
}

export type PushAnswerDecision =
  /** store the ids; `pushState` is the new push state; `scheduleQuery` only for a pending payment */
  | { kind: 'store'; pushState: PushState; countAccepted: boolean; scheduleQuery: boolean }
  /** the payment already holds this id and knows the push was accepted */
  | { kind: 'known' }
  /** not stored: the payment already holds another CheckoutRequestID, or another payment holds this one */
  | { kind: 'conflict'; reason: string };

export function decidePushAnswer(payment: PushAnswerTarget, checkoutRequestId: string, heldByOtherPayment: string | null): PushAnswerDecision {
  if (payment.stkRequestId !== null && payment.stkRequestId !== checkoutRequestId) {
    return { kind: 'conflict', reason: `the payment already holds CheckoutRequestID ${payment.stkRequestId}` };
  }
  if (heldByOtherPayment) return { kind: 'conflict', reason: `payment ${heldByOtherPayment} already holds this CheckoutRequestID` };
  if (payment.stkRequestId === checkoutRequestId && payment.pushState === 'accepted') return { kind: 'known' };
  return {
    kind: 'store',
    pushState: 'accepted',
    // Counted once per push Daraja accepted: not again if the id was already learnt as accepted.
    countAccepted: payment.pushState !== 'accepted',
    scheduleQuery: payment.status === 'pending',
  };
}
