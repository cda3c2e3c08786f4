// The seam between the referral workflow and the payment work: other modules register hooks here
// at start-up, so referrals need not import payments (payments already import referrals).
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ApiRole } from '../config/config-validators';
import type { Referral } from './referral.entity';
import type { ReferralStatus } from './referral-status';

export interface ReferralTransitionContext {
  /** The transaction the status change is written in (one of the after-commit bus); hooks must use it. */
  manager: EntityManager;
  /** The referral row, locked FOR UPDATE for the rest of the transaction. */
  referral: Referral;
  from: ReferralStatus;
  to: ReferralStatus;
  role: ApiRole;
}

export interface ReferralTransitionHook {
  /** Before the change is written; throw a DomainError to refuse it. */
  beforeTransition?(context: ReferralTransitionContext): Promise<void>;
  /** After the change is written, in the same transaction. */
  afterTransition?(context: ReferralTransitionContext): Promise<void>;
}

@Injectable()
export class ReferralTransitionHooks {
  private readonly hooks: ReferralTransitionHook[] = [];

  register(hook: ReferralTransitionHook): void {
    this.hooks.push(hook);
  }

  async runBefore(context: ReferralTransitionContext): Promise<void> {
    for (const hook of this.hooks) await hook.beforeTransition?.(context);
  }

  async runAfter(context: ReferralTransitionContext): Promise<void> {
    for (const hook of this.hooks) await hook.afterTransition?.(context);
  }
}
