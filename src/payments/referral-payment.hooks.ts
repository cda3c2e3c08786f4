// How payments take part in the referral workflow: entering pending-payment starts a payment (when
// AUTO_STK_ON_PENDING_PAYMENT is on, and no receipt of that phone and fee is under review), and a
// referral with a pending payment cannot be cancelled.
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';
import { DomainError } from '../common/domain-error';
import { AfterCommitBus, emitAfterCommit } from '../events/after-commit.bus';
import { ReferralTransitionContext, ReferralTransitionHooks } from '../referrals/referral-transition-hooks';
import { maskPhoneNumber, normalizePhoneNumber } from '../mpesa/phone-number';
import { Payment } from './payment.entity';
import { receiptUnderReview, recordReceiptEvent } from '../receipts/receipt-rules';
import { PaymentsService } from './payments.service';

@Injectable()
export class ReferralPaymentHooks implements OnModuleInit {
  private readonly logger = new Logger(ReferralPaymentHooks.name);

  constructor(
    private readonly hooks: ReferralTransitionHooks,
    private readonly payments: PaymentsService,
    private readonly bus: AfterCommitBus,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.bus.on('push-withheld', async (withheld) => {
      for (const w of withheld) {
        this.logger.warn(
          { referralId: w.referralId, receipt: w.receipt, amount: w.amount, phone: w.maskedPhone, receiptState: w.receiptState },
          'No STK push for the referral: a receipt of its phone and amount is under review (the patient may already have paid)',
        );
      }
    });
    this.hooks.register({
      beforeTransition: (context) => this.refuseCancelWhilePending(context),
      afterTransition: (context) => this.startPaymentOnPendingPayment(context),
    });
  }

  private async refuseCancelWhilePending({ manager, referral, to }: ReferralTransitionContext): Promise<void> {
    if (to !== 'cancelled') return;
    const pending = await manager.findOne(Payment, { where: { referralId: referral.id, status: 'pending' } });
    if (pending) {
      throw new DomainError('PAYMENT_IN_PROGRESS', 'The referral has a pending payment; it cannot be cancelled until that payment ends', {
        paymentId: pending.id,
      });
    }
  }

  /**
   * While a receipt of the referral's phone and fee is unmatched or in review the patient may
   * already have paid, so no prompt is sent: the referral still moves (biodata is done; the
   * workflow is not the payment's to refuse), no payment is created, and the receipt's history
   * and a warning line say which referral it holds up. Staff see a pending-payment referral
   * without a payment, and POST /api/referrals/:id/payments answers 409 RECEIPT_UNDER_REVIEW,
   * naming the receipt, until an admin resolves it.
   */
  private async startPaymentOnPendingPayment(context: ReferralTransitionContext): Promise<void> {
    if (context.to !== 'pending-payment' || !this.config.payments.autoStkOnPendingPayment) return;
    const { manager, referral } = context;
    const phone = referral.stkPhoneNumber ? normalizePhoneNumber(referral.stkPhoneNumber) : null;
    const held = phone ? await receiptUnderReview(manager, phone, referral.amount) : null;
    if (held) {
      await recordReceiptEvent(manager, {
        receipt: held.receipt,
        type: 'payment-withheld',
        source: 'api',
        detail: { referralId: referral.id, role: context.role, why: 'the referral entered pending-payment; no STK push is sent while this receipt waits for an admin' },
      });
      // Logged once the referral's change commits (a rolled-back transition withheld nothing).
      emitAfterCommit(manager, 'push-withheld', { referralId: referral.id, receipt: held.receipt, amount: held.amount, maskedPhone: maskPhoneNumber(held.phoneNumber), receiptState: held.state });
      return;
    }
    // Its push is published once the referral's change commits (createPending tells the bus).
    await this.payments.createPending(manager, { referralId: referral.id }, { source: 'api', actorRole: context.role }, referral);
  }
}
