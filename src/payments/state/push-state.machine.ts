// The push state machine, in one table: which named transition moves a payment's push from which
// state to which, and under which payment statuses. payment-status.ts says what each state means;
// PaymentTransitions (payment-transitions.ts) writes these moves, with the SQL's WHERE built from here.
import { PAYMENT_STATUSES, PaymentStatus, PUSH_STATES, PushState } from '../payment-status';

export const PUSH_TRANSITIONS_NAMES = [
  'claim',
  'accept',
  'markIndeterminate',
  'requeue',
  'leaseForQuery',
  'recordQueryAnswer',
  'expire',
  'complete',
  'fail',
] as const;
export type PushTransition = (typeof PUSH_TRANSITIONS_NAMES)[number];

export interface PushRule {
  /** The payment statuses under which the transition may run. */
  statuses: readonly PaymentStatus[];
  /** from push state → to push state; a state absent here refuses the transition. */
  moves: Readonly<Partial<Record<PushState, PushState>>>;
}

const ALL_STATUSES = PAYMENT_STATUSES;
const unchanged = (states: readonly PushState[]): Partial<Record<PushState, PushState>> => Object.fromEntries(states.map((s) => [s, s]));

export const PUSH_TRANSITIONS: Readonly<Record<PushTransition, PushRule>> = {
  /** A worker takes a queued push to send it (attempts + 1): from here the prompt may be out. */
  claim: { statuses: ['pending'], moves: { queued: 'sending' } },
  /**
   * Daraja accepted a push: a fact about the push, stored whatever the job's bookkeeping says (a
   * stalled re-run or the sweeper may have moved it, the payment may have settled). Conflicting
   * ids are refused by decidePushAnswer, not by this table.
   */
  accept: {
    statuses: ALL_STATUSES,
    moves: { queued: 'accepted', sending: 'accepted', accepted: 'accepted', indeterminate: 'accepted', abandoned: 'accepted' },
  },
  /** Sent, answer lost (no answer, a dead worker, an unusable answer): never resent. */
  markIndeterminate: { statuses: ['pending'], moves: { sending: 'indeterminate' } },
  /** Refused for now (retryable, token): sent again by the job's next attempt. */
  requeue: { statuses: ['pending'], moves: { sending: 'queued' } },
  /** A status query is owed (the payment also needs a CheckoutRequestID): the push state is not its business. */
  leaseForQuery: { statuses: ['pending'], moves: unchanged(PUSH_STATES) },
  /** A query answer changes the status (through settlement), never the push state. */
  recordQueryAnswer: { statuses: ALL_STATUSES, moves: unchanged(PUSH_STATES) },
  /**
   * Nothing settled it in time and no query can (no CheckoutRequestID): failed. A push being sent
   * is left alone (Daraja may accept it any moment), and so is one already accepted (queried instead).
   */
  expire: { statuses: ['pending'], moves: { queued: 'abandoned', indeterminate: 'indeterminate' } },
  /** The payment completes: a push still queued or being sent was evidently accepted. */
  complete: { statuses: ALL_STATUSES, moves: { queued: 'accepted', sending: 'accepted', ...unchanged(['accepted', 'indeterminate', 'abandoned']) } },
  /** The payment fails: a push still queued or being sent is never sent (again). */
  fail: { statuses: ALL_STATUSES, moves: { queued: 'abandoned', sending: 'abandoned', ...unchanged(['accepted', 'indeterminate', 'abandoned']) } },
};

export type PushCheck = { allowed: true; to: PushState } | { allowed: false; reason: 'status' | 'push-state' };

export function checkPush(transition: PushTransition, status: PaymentStatus, pushState: PushState): PushCheck {
  const rule = PUSH_TRANSITIONS[transition];
  if (!rule.statuses.includes(status)) return { allowed: false, reason: 'status' };
  const to = rule.moves[pushState];
  return to ? { allowed: true, to } : { allowed: false, reason: 'push-state' };
}

/** The push state a settlement leaves: `complete` or `fail` applied to the push. */
export function settledPushState(pushState: PushState, status: 'completed' | 'failed'): PushState {
  const check = checkPush(status === 'completed' ? 'complete' : 'fail', status, pushState);
  if (!check.allowed) throw new Error(`no push state after ${status} from ${pushState}`);
  return check.to;
}

/**
 * The SQL condition under which `transition` may run, from the table: `status IN (…) AND push_state IN (…)`
 * (the push state omitted when every state may). Constants of this file only, so safe to inline.
 */
export function pushGuardSql(transition: PushTransition, alias = ''): string {
  const rule = PUSH_TRANSITIONS[transition];
  const from = PUSH_STATES.filter((state) => rule.moves[state] !== undefined);
  const column = (name: string) => (alias ? `${alias}.${name}` : name);
  const parts: string[] = [];
  if (rule.statuses.length < PAYMENT_STATUSES.length) parts.push(`${column('status')} IN (${sqlList(rule.statuses)})`);
  if (from.length < PUSH_STATES.length) parts.push(`${column('push_state')} IN (${sqlList(from)})`);
  return parts.length ? parts.join(' AND ') : 'TRUE';
}

/** The one target state of a transition that moves every state it accepts to the same state. */
export function pushTarget(transition: PushTransition): PushState {
  const targets = new Set(Object.values(PUSH_TRANSITIONS[transition].moves));
  if (targets.size !== 1) throw new Error(`${transition} has no single target push state`);
  return [...targets][0];
}

function sqlList(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(', ');
}
