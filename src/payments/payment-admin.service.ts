// Admin operations on payments: retries of failed ones and manual status corrections. Every
// change goes through the settlement service and is recorded with the caller's role and reason.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../auth/auth.decorators';
import { RECEIPT_UNIQUE, violatedConstraint } from '../common/constraint-errors';
import { DomainError, NotFoundError } from '../common/domain-error';
import { ReferralsService } from '../referrals/referrals.service';
import type { UpdatePaymentStatusDto } from './dtos/update-payment-status.dto';
import { recordPaymentEvent } from './payment-events';
import { Payment } from './payment.entity';
import { PaymentSettlementService } from './state/payment-settlement.service';
import { PaymentsService, paymentInProgress } from './payments.service';
import { PaymentView, toPaymentView } from './payment.view';
import { applyReceiptByAdmin } from '../receipts/receipt-rules';
import { AfterCommitBus } from '../events/after-commit.bus';

@Injectable()
export class PaymentAdminService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: AfterCommitBus,
    private readonly payments: PaymentsService,
    private readonly settlement: PaymentSettlementService,
    private readonly referrals: ReferralsService,
  ) {}

  /** A new payment for the referral of a failed one, with `retryOf` pointing back at it. */
  async retry(paymentId: string, principal: Principal): Promise<PaymentView> {
    const original = await this.dataSource.manager.findOneBy(Payment, { id: paymentId });
    if (!original) throw new NotFoundError('Payment', paymentId);
    return this.retryPayment(original, principal);
  }

  /** Retries the referral's most recent failed payment. */
  async retryLatestForReferral(referralId: string, principal: Principal): Promise<PaymentView> {
    await this.referrals.findOrFail(this.dataSource.manager, referralId);
    // The first failed one of GET /api/referrals/:id/payments, which lists newest first by createdAt.
    const latestFailed = await this.dataSource.manager.findOne(Payment, { where: { referralId, status: 'failed' }, order: { createdAt: 'DESC', seq: 'DESC' } });
    if (!latestFailed) throw new DomainError('PAYMENT_NOT_RETRYABLE', 'The referral has no failed payment to retry');
    return this.retryPayment(latestFailed, principal);
  }

  private async retryPayment(original: Payment, principal: Principal): Promise<PaymentView> {
    const created = await this.payments.inTransactionGuardingOnePending(original.referralId, async (manager) => {
      const referral = await this.referrals.lockForUpdate(manager, original.referralId);
      const current = await manager.findOneByOrFail(Payment, { id: original.id });
      if (current.status !== 'failed') {
        throw new DomainError('PAYMENT_NOT_RETRYABLE', `Only a failed payment can be retried (this one is ${current.status})`, {
          paymentStatus: current.status,
        });
      }
      return this.payments.createPending(
        manager,
        { referralId: referral.id, phoneNumber: current.phoneNumber, amount: current.amount, retryOf: current.id },
        { source: 'api', actorRole: principal.role },
        referral,
      );
    });
    return toPaymentView(created);
  }

  async updateStatus(dto: UpdatePaymentStatusDto, principal: Principal): Promise<PaymentView> {
    if (!dto.paymentId && !dto.stkRequestId) {
      throw new DomainError('VALIDATION_FAILED', 'Give paymentId or stkRequestId', {
        fields: [{ field: 'paymentId', messages: ['paymentId or stkRequestId is required'] }],
      });
    }
    try {
      return await this.updateStatusInTransaction(dto, principal);
    } catch (error) {
      // Another admin gave the receipt to another payment after this request checked for a holder
      // and before it wrote: the unique index refused the write and the transaction rolled back.
      if (dto.mpesaTransactionId && violatedConstraint(error) === RECEIPT_UNIQUE) {
        const holder = await this.dataSource.manager.findOne(Payment, { where: { mpesaTransactionId: dto.mpesaTransactionId } });
        throw receiptAlreadyUsed(dto.mpesaTransactionId, holder?.id ?? null);
      }
      throw error;
    }
  }

  private updateStatusInTransaction(dto: UpdatePaymentStatusDto, principal: Principal): Promise<PaymentView> {
    return this.bus.transaction(async (manager) => {
      const payment = await this.lockTarget(manager, dto);
      if (dto.amount !== undefined && dto.amount !== payment.amount) {
        throw new DomainError('VALIDATION_FAILED', `amount ${dto.amount} differs from the payment's amount ${payment.amount}`, {
          fields: [{ field: 'amount', messages: [`must equal the payment's amount (${payment.amount})`] }],
        });
      }
      const receipt = dto.mpesaTransactionId ?? null;
      if (dto.status === payment.status && (receipt === null || receipt === payment.mpesaTransactionId)) {
        return toPaymentView(payment); // already so: nothing to record
      }
      await this.checkAllowed(manager, payment, dto.status, receipt);
      const context = { source: 'admin' as const, eventType: 'manual-update', actorRole: principal.role, detail: { reason: dto.reason, previousStatus: payment.status } };
      if (dto.status === 'completed') {
        // A receipt the service has seen: it never pays two payments, and one waiting for a person is now applied.
        if (receipt) {
          await applyReceiptByAdmin(manager, { receipt, paymentId: payment.id, referralId: payment.referralId, previousReceipt: payment.mpesaTransactionId, role: principal.role, reason: dto.reason });
        }
        const result = await this.settlement.apply(
          manager,
          payment,
          { status: 'completed', resultCode: payment.resultCode, resultDesc: payment.resultDesc, receipt: receipt ?? payment.mpesaTransactionId },
          context,
        );
        return toPaymentView(result.payment);
      }
      const result = await this.settlement.apply(
        manager,
        payment,
        // The column holds 500 characters and the reason may have as many; the event keeps it whole.
        { status: 'failed', resultCode: payment.resultCode, resultDesc: payment.resultDesc, errorMessage: fitColumn(`Marked failed by an admin: ${dto.reason}`, 500) },
        context,
      );
      if (payment.status === 'completed') await this.afterUncompleting(manager, result.payment, dto.reason);
      return toPaymentView(result.payment);
    });
  }

  private async lockTarget(manager: EntityManager, dto: UpdatePaymentStatusDto): Promise<Payment> {
    const payment = dto.paymentId
      ? await this.settlement.lock(manager, dto.paymentId)
      : await this.settlement.lockByCheckoutRequestId(manager, dto.stkRequestId as string);
    if (!payment) throw new NotFoundError('Payment', dto.paymentId ?? (dto.stkRequestId as string));
    if (dto.paymentId && dto.stkRequestId && payment.stkRequestId !== dto.stkRequestId) {
      throw new DomainError('VALIDATION_FAILED', 'paymentId and stkRequestId name different payments', {
        fields: [{ field: 'stkRequestId', messages: ['does not belong to paymentId'] }],
      });
    }
    return payment;
  }

  /** The rules that keep "nobody charged twice" and "paid exactly when completed" true. */
  private async checkAllowed(manager: EntityManager, payment: Payment, to: 'completed' | 'failed', receipt: string | null): Promise<void> {
    const referral = await this.referrals.lockForUpdate(manager, payment.referralId);
    if (to === 'completed') {
      if (!['pending-payment', 'paid'].includes(referral.status)) {
        throw new DomainError('INVALID_TRANSITION', `The referral is ${referral.status}; a payment of it cannot be completed by hand`);
      }
      const otherPending = await manager.findOne(Payment, { where: { referralId: payment.referralId, status: 'pending' } });
      if (otherPending && otherPending.id !== payment.id) {
        // Completing this one would leave a live prompt asking the patient to pay again.
        throw paymentInProgress(otherPending.id);
      }
      if (receipt) {
        const holder = await manager.findOne(Payment, { where: { mpesaTransactionId: receipt } });
        if (holder && holder.id !== payment.id) {
          throw receiptAlreadyUsed(receipt, holder.id);
        }
      }
    } else if (payment.status === 'completed' && referral.status === 'confirmed') {
      throw new DomainError('INVALID_TRANSITION', 'The referral is confirmed; its payment cannot be marked failed');
    }
  }

  private async afterUncompleting(manager: EntityManager, payment: Payment, reason: string): Promise<void> {
    const stillCompleted = await manager.findOne(Payment, { where: { referralId: payment.referralId, status: 'completed' } });
    if (stillCompleted) return;
    await this.referrals.markUnpaidByPayment(manager, payment.referralId, payment.id, reason);
    await recordPaymentEvent(manager, { paymentId: payment.id, type: 'referral-reopened', source: 'admin', detail: { referralId: payment.referralId } });
  }
}

function receiptAlreadyUsed(receipt: string, holderId: string | null): DomainError {
  return new DomainError('RECEIPT_ALREADY_USED', `Receipt ${receipt} already pays ${holderId ? `payment ${holderId}` : 'another payment'}`, { paymentId: holderId });
}

/** At most `length` characters (code points, as Postgres counts them), ending in an ellipsis when cut. */
function fitColumn(text: string, length: number): string {
  const chars = Array.from(text);
  return chars.length <= length ? text : `${chars.slice(0, length - 1).join('')}…`;
}
