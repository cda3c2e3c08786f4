// How payments take part in the referral workflow: entering pending-payment starts a payment (when
// AUTO_STK_ON_PENDING_PAYMENT is on), and a referral with a pending payment cannot be cancelled.
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';
import { DomainError } from '../common/domain-error';
import { ReferralTransitionContext, ReferralTransitionHooks } from '../referrals/referral-transition-hooks';
import { Payment } from './payment.entity';
import { PaymentsService } from './payments.service';

@Injectable()
export class ReferralPaymentHooks implements OnModuleInit {
  constructor(
    private readonly hooks: ReferralTransitionHooks,
    private readonly payments: PaymentsService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
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

  private async startPaymentOnPendingPayment(context: ReferralTransitionContext): Promise<void> {
    if (context.to !== 'pending-payment' || !this.config.payments.autoStkOnPendingPayment) return;
    // Its push is published once the referral's change commits (createPending tells the bus).
    await this.payments.createPending(context.manager, { referralId: context.referral.id }, { source: 'api', actorRole: context.role }, context.referral);
  }
}
