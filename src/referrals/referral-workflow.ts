// The referral status workflow: the contract's transition table, in one place.
import type { ApiRole } from '../config/config-validators';
import type { ReferralStatus } from './referral-status';

interface TransitionRule {
  /** Only an admin key may make this move. */
  adminOnly: boolean;
}

/**
 * Moves a client may request. `paid` is absent as a target on purpose: only a completed payment
 * sets it (see markPaidByPayments in ReferralsService), never a request.
 */
export const REFERRAL_TRANSITIONS: Readonly<Record<ReferralStatus, Readonly<Partial<Record<ReferralStatus, TransitionRule>>>>> = {
  'pending-admin': {
    'awaiting-biodata': { adminOnly: true },
    rejected: { adminOnly: true },
    cancelled: { adminOnly: false },
  },
  'awaiting-biodata': {
    'pending-payment': { adminOnly: false },
    cancelled: { adminOnly: false },
  },
  'pending-payment': {
    cancelled: { adminOnly: false },
  },
  paid: {
    confirmed: { adminOnly: false },
  },
  confirmed: {},
  rejected: {},
  cancelled: {},
};

export type TransitionCheck =
  | { allowed: true }
  | { allowed: false; reason: 'not-in-table' | 'admin-only' };

export function checkTransition(from: ReferralStatus, to: ReferralStatus, role: ApiRole): TransitionCheck {
  const rule = REFERRAL_TRANSITIONS[from][to];
  if (!rule) return { allowed: false, reason: 'not-in-table' };
  if (rule.adminOnly && role !== 'admin') return { allowed: false, reason: 'admin-only' };
  return { allowed: true };
}
