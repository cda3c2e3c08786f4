// The referral status workflow: the contract's transition table, and the moves the system makes
// because of a payment, in one place.
import type { ApiRole } from '../config/config-validators';
import type { ReferralChangeSource } from './referral-status-change.entity';
import type { ReferralStatus } from './referral-status';

interface TransitionRule {
  /** Only an admin key may make this move. */
  adminOnly: boolean;
}

/**
 * Moves a client may request. `paid` is absent as a target on purpose: only a completed payment
 * sets it (REFERRAL_SYSTEM_MOVES below), never a request.
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

/**
 * Moves no request can ask for: the system makes them because of a payment, in the payment's
 * transaction, with the payment's source on the history row. A referral is `paid` exactly when it
 * has a completed payment. From any other status the move is not made (a paid or confirmed
 * referral stays so; a payment completes only while its referral is pending-payment: createPending,
 * the evidence table and the admin's rules see to that).
 */
export const REFERRAL_SYSTEM_MOVES = {
  /** one of its payments completed (a callback, a status query, an admin) */
  paymentCompleted: { from: 'pending-payment', to: 'paid', sources: ['callback', 'reconciliation', 'admin'] },
  /** an admin took back its only completed payment; a confirmed referral is not reopened */
  paymentTakenBack: { from: 'paid', to: 'pending-payment', sources: ['admin'] },
} as const satisfies Record<string, { from: ReferralStatus; to: ReferralStatus; sources: readonly ReferralChangeSource[] }>;

export type ReferralSystemMove = keyof typeof REFERRAL_SYSTEM_MOVES;

export type SystemMoveCheck = { allowed: true; to: ReferralStatus } | { allowed: false; reason: 'not-in-table' | 'source' };

export function checkSystemMove(move: ReferralSystemMove, from: ReferralStatus, source: ReferralChangeSource): SystemMoveCheck {
  const rule = REFERRAL_SYSTEM_MOVES[move];
  if (rule.from !== from) return { allowed: false, reason: 'not-in-table' };
  if (!(rule.sources as readonly ReferralChangeSource[]).includes(source)) return { allowed: false, reason: 'source' };
  return { allowed: true, to: rule.to };
}
