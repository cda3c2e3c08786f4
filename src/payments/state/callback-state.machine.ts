// The callback state machine, in one table: which named transition moves a stored M-Pesa callback
// (`mpesa_callbacks.state`) from which state to which. mpesa-callback.entity.ts says what each
// state means; CallbackStore (callback-store.ts) writes these moves, with the SQL's WHERE built
// from here. A callback is stored `received`; only the two open states (received, unmatched) ever
// move, so every other state is final: a person's decision or a verdict that is never judged again.
import type { CallbackState } from '../callbacks/mpesa-callback.entity';

export const CALLBACK_STATES: readonly CallbackState[] = ['received', 'unmatched', 'applied', 'duplicate', 'review', 'invalid', 'set-aside', 'dismissed'];

/** The state the ingest INSERT stores a callback in (not a transition: there is no state before it). */
export const INITIAL_CALLBACK_STATE: CallbackState = 'received';

/** The states an application may still judge: locked, swept and waited for as open. */
export const OPEN_CALLBACK_STATES = ['received', 'unmatched'] as const satisfies readonly CallbackState[];

export const CALLBACK_TRANSITION_NAMES = [
  'apply',
  'leaveUnmatched',
  'markDuplicate',
  'holdForReview',
  'markInvalid',
  'dismiss',
  'countFailure',
  'setAside',
  'attachByAdmin',
  'dismissByAdmin',
] as const;
export type CallbackTransition = (typeof CALLBACK_TRANSITION_NAMES)[number];

/** from state → to state; a state absent here refuses the transition. */
export type CallbackMoves = Readonly<Partial<Record<CallbackState, CallbackState>>>;

const fromOpen = (to: CallbackState): CallbackMoves => ({ received: to, unmatched: to });

export const CALLBACK_TRANSITIONS: Readonly<Record<CallbackTransition, CallbackMoves>> = {
  /** It changed its payment (settled, corrected, gave it its receipt). Unmatched ones too, once a payment learnt their id. */
  apply: fromOpen('applied'),
  /**
   * No payment holds its CheckoutRequestID yet (waiting for the push's answer or for Daraja's
   * confirmation), or none ever will: kept open, judged again by the sweeper.
   */
  leaveUnmatched: fromOpen('unmatched'),
  /** Its payment was already final with the same outcome. */
  markDuplicate: fromOpen('duplicate'),
  /** Kept for a person: amount mismatch, reused receipt, contradicts a final payment, doubt, refund due. */
  holdForReview: fromOpen('review'),
  /**
   * Not a callback we can read. From unmatched too: it was readable once, but a parser changed
   * between deploys reads it again on the next sweep, and the verdict must still be written.
   */
  markInvalid: fromOpen('invalid'),
  /** Forged: Daraja does not know its CheckoutRequestID. */
  dismiss: fromOpen('dismissed'),
  /** Applying it failed, not yet often enough to give up: counted, left as it was for the next sweep. */
  countFailure: { received: 'received', unmatched: 'unmatched' },
  /** Applying it failed for good (bad data, or too many tries): it waits for a person with its reason. */
  setAside: fromOpen('set-aside'),
  /** An admin attached its receipt to a payment: never judged again. Only an unmatched one (a received one is not yet a verdict). */
  attachByAdmin: { unmatched: 'applied' },
  /** An admin dismissed its receipt. */
  dismissByAdmin: { unmatched: 'dismissed' },
};

/** The transitions an application's verdict closes a callback with, by the state it leaves it in. */
export const APPLICATION_TRANSITIONS = {
  applied: 'apply',
  unmatched: 'leaveUnmatched',
  duplicate: 'markDuplicate',
  review: 'holdForReview',
  invalid: 'markInvalid',
  dismissed: 'dismiss',
} as const satisfies Partial<Record<CallbackState, CallbackTransition>>;
export type ApplicationVerdictState = keyof typeof APPLICATION_TRANSITIONS;

export type CallbackCheck = { allowed: true; to: CallbackState } | { allowed: false };

export function checkCallback(transition: CallbackTransition, from: CallbackState): CallbackCheck {
  const to = CALLBACK_TRANSITIONS[transition][from];
  return to ? { allowed: true, to } : { allowed: false };
}

/** Whether any transition moves a callback from `from` to `to`. */
export function canMoveCallback(from: CallbackState, to: CallbackState): boolean {
  return CALLBACK_TRANSITION_NAMES.some((t) => CALLBACK_TRANSITIONS[t][from] === to);
}

/** The states a transition accepts. */
export function callbackSources(transition: CallbackTransition): CallbackState[] {
  return CALLBACK_STATES.filter((state) => CALLBACK_TRANSITIONS[transition][state] !== undefined);
}

/** The one target state of a transition that moves every state it accepts to the same state. */
export function callbackTarget(transition: CallbackTransition): CallbackState {
  const targets = new Set(Object.values(CALLBACK_TRANSITIONS[transition]));
  if (targets.size !== 1) throw new Error(`${transition} has no single target callback state`);
  return [...targets][0];
}

/** The SQL condition under which `transition` may run: `state IN (…)`. Constants of this file only, so safe to inline. */
export function callbackGuardSql(transition: CallbackTransition, alias = ''): string {
  return `${alias ? `${alias}.` : ''}state IN (${sqlList(callbackSources(transition))})`;
}

/**
 * For a write whose target state is a value per row (a batch of verdicts): the condition that the
 * pair (current state, target) is a move of one of `transitions`, from the table.
 */
export function callbackMoveSql(transitions: readonly CallbackTransition[], fromColumn: string, toColumn: string): string {
  const pairs = transitions.flatMap((t) => Object.entries(CALLBACK_TRANSITIONS[t]).map(([from, to]) => `('${from}', '${to}')`));
  return `(${fromColumn}, ${toColumn}) IN (${[...new Set(pairs)].join(', ')})`;
}

/** The SQL list of the open states, for reads of callbacks still to judge. */
export const OPEN_CALLBACK_STATES_SQL = sqlList(OPEN_CALLBACK_STATES);

function sqlList(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(', ');
}
