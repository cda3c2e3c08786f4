// Sends the STK push of one payment, at most once per claim: a worker claims the push in the
// database (push_state 'sending', attempts + 1) before the HTTP request, so a worker that dies
// mid-request leaves evidence that the prompt may already be on the phone.
import { Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { callbackUrl } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { DarajaClient } from '../../mpesa/daraja.client';
import { DarajaRequestError } from '../../mpesa/daraja-request.error';
import type { StkPushResult } from '../../mpesa/daraja.types';
import { PaymentMetrics } from '../../observability/metrics/payment-metrics';
import { PaymentTransitions, PushTarget } from '../state/payment-transitions';

export type PushOutcome =
  | { kind: 'not-owed'; reason: string }
  | { kind: 'accepted'; checkoutRequestId: string }
  | { kind: 'indeterminate'; reason: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'retry'; reason: string; retryAfterMs?: number };

const TRANSACTION_DESC = 'Referral fee';

@Injectable()
export class StkPushSender {
  private readonly logger = new Logger(StkPushSender.name);

  constructor(
    private readonly transitions: PaymentTransitions,
    @InjectAppConfig() private readonly config: AppConfig,
    private readonly daraja: DarajaClient,
    private readonly metrics: PaymentMetrics,
  ) {}

  async send(paymentId: string): Promise<PushOutcome> {
    const claim = await this.transitions.claim(paymentId);
    if (!claim.claimed) return this.explainUnclaimable(claim.payment);
    const payment = claim.payment;

    let result: StkPushResult;
    const sentAt = process.hrtime.bigint();
    try {
      result = await this.daraja.stkPush({
        phoneNumber: payment.phoneNumber,
        amount: payment.amount,
        // The payment's own reference (shown on the prompt, quoted by the clinic, matched by the ledger).
        accountReference: payment.accountReference,
        transactionDesc: TRANSACTION_DESC,
        callbackUrl: callbackUrl(this.config.mpesa),
      });
    } catch (error) {
      if (!(error instanceof DarajaRequestError)) throw error;
      // Refused before any request left: nothing was pushed.
      return this.fail(payment, `STK push not sent: ${error.message}`, { attempt: payment.attempts });
    }

    const seconds = Number(process.hrtime.bigint() - sentAt) / 1e9;
    this.metrics.pushAnswered(seconds, result.kind === 'accepted' ? 'accepted' : result.errorClass);
    if (result.kind === 'error') this.metrics.darajaError('push', result.errorClass);
    if (result.kind === 'accepted') return this.recordAccepted(payment, result.merchantRequestId, result.checkoutRequestId);
    const detail = { attempt: payment.attempts, errorClass: result.errorClass, errorCode: result.errorCode, httpStatus: result.httpStatus, errorMessage: result.errorMessage };
    switch (result.errorClass) {
      case 'indeterminate':
        return this.recordIndeterminate(payment, `no answer to the STK push: ${result.errorMessage}`, detail);
      case 'permanent':
        return this.fail(payment, `STK push refused by M-Pesa: ${result.errorMessage}`, detail);
      case 'retryable':
      case 'token':
        if (payment.attempts >= this.config.payments.stkMaxAttempts) {
          return this.fail(payment, `STK push failed after ${payment.attempts} attempts: ${result.errorMessage}`, detail);
        }
        return this.scheduleRetry(payment, result.errorMessage, result.retryAfterMs, detail);
    }
  }

  private async explainUnclaimable(payment: PushTarget | null): Promise<PushOutcome> {
    if (!payment) return { kind: 'not-owed', reason: 'payment not found' };
    if (payment.status !== 'pending') return { kind: 'not-owed', reason: `payment already ${payment.status}` };
    if (payment.pushState === 'sending') {
      // An earlier run claimed this push and died before recording the answer: the prompt may be out.
      return this.recordIndeterminate(payment, 'a worker stopped while sending the STK push', { attempt: payment.attempts });
    }
    return { kind: 'not-owed', reason: `push already ${payment.pushState}` };
  }

  /** Daraja's "accepted" is stored whatever the job's bookkeeping says (decidePushAnswer, PaymentTransitions.accept). */
  private async recordAccepted(payment: PushTarget, merchantRequestId: string, checkoutRequestId: string): Promise<PushOutcome> {
    const firstQueryAt = new Date(Date.now() + this.config.payments.reconcileFirstQueryS * 1000);
    const decision = await this.transitions.accept(payment, { merchantRequestId, checkoutRequestId }, firstQueryAt);
    if (decision.kind === 'conflict') {
      this.logger.warn({ paymentId: payment.id, attempt: payment.attempts, note: decision.reason }, 'STK push accepted, but its CheckoutRequestID contradicts what is stored; kept on the payment history');
    } else {
      this.logger.log({ paymentId: payment.id, attempt: payment.attempts }, 'STK push accepted');
    }
    return { kind: 'accepted', checkoutRequestId };
  }

  private async recordIndeterminate(payment: PushTarget, reason: string, detail: Record<string, unknown>): Promise<PushOutcome> {
    await this.transitions.markIndeterminate(payment.id, { ...detail, reason });
    this.logger.warn({ paymentId: payment.id }, 'STK push answer lost; never resent, left for reconciliation');
    return { kind: 'indeterminate', reason };
  }

  private async scheduleRetry(payment: PushTarget, reason: string, retryAfterMs: number | undefined, detail: Record<string, unknown>): Promise<PushOutcome> {
    await this.transitions.requeue(payment.id, { ...detail, ...(retryAfterMs ? { retryAfterMs } : {}) });
    return { kind: 'retry', reason, retryAfterMs };
  }

  private async fail(payment: PushTarget, errorMessage: string, detail: Record<string, unknown>): Promise<PushOutcome> {
    await this.transitions.failPush(payment.id, errorMessage, detail);
    this.logger.warn({ paymentId: payment.id, attempt: payment.attempts }, 'STK push failed; payment failed');
    return { kind: 'failed', reason: errorMessage };
  }
}
