import type { CallbackState } from '../callbacks/mpesa-callback.entity';
import {
  APPLICATION_TRANSITIONS,
  CALLBACK_STATES,
  CALLBACK_TRANSITION_NAMES,
  callbackGuardSql,
  callbackMoveSql,
  callbackTarget,
  CallbackTransition,
  canMoveCallback,
  checkCallback,
  OPEN_CALLBACK_STATES,
} from './callback-state.machine';

// The table, written out independently of the implementation's data structure: transition > from → to.
const ALLOWED: Record<CallbackTransition, Partial<Record<CallbackState, CallbackState>>> = {
  apply: { received: 'applied', unmatched: 'applied' },
  leaveUnmatched: { received: 'unmatched', unmatched: 'unmatched' },
  markDuplicate: { received: 'duplicate', unmatched: 'duplicate' },
  holdForReview: { received: 'review', unmatched: 'review' },
  markInvalid: { received: 'invalid', unmatched: 'invalid' },
  dismiss: { received: 'dismissed', unmatched: 'dismissed' },
  countFailure: { received: 'received', unmatched: 'unmatched' },
  setAside: { received: 'set-aside', unmatched: 'set-aside' },
  attachByAdmin: { unmatched: 'applied' },
  dismissByAdmin: { unmatched: 'dismissed' },
};

const cases: [CallbackTransition, CallbackState][] = CALLBACK_TRANSITION_NAMES.flatMap((t) => CALLBACK_STATES.map((s) => [t, s] as [CallbackTransition, CallbackState]));

describe('callback state machine', () => {
  it('covers every transition × state (10 × 8)', () => {
    expect(cases).toHaveLength(80);
    expect(Object.keys(ALLOWED).sort()).toEqual([...CALLBACK_TRANSITION_NAMES].sort());
  });

  it.each(cases)('%s from %s', (transition, from) => {
    const to = ALLOWED[transition][from];
    expect(checkCallback(transition, from)).toEqual(to ? { allowed: true, to } : { allowed: false });
  });

  const pairs: [CallbackState, CallbackState][] = CALLBACK_STATES.flatMap((from) => CALLBACK_STATES.map((to) => [from, to] as [CallbackState, CallbackState]));
  it.each(pairs)('the move %s -> %s is allowed only if a row of the table makes it', (from, to) => {
    const made = Object.values(ALLOWED).some((moves) => moves[from] === to);
    expect(canMoveCallback(from, to)).toBe(made);
  });

  it('moves only open callbacks: every other state is final', () => {
    for (const from of CALLBACK_STATES.filter((s) => !(OPEN_CALLBACK_STATES as readonly string[]).includes(s))) {
      for (const to of CALLBACK_STATES) expect(canMoveCallback(from, to)).toBe(false);
    }
    for (const from of CALLBACK_STATES) expect(canMoveCallback(from, 'received')).toBe(from === 'received');
  });

  it('names the transition of every verdict an application writes', () => {
    for (const [state, transition] of Object.entries(APPLICATION_TRANSITIONS)) expect(callbackTarget(transition)).toBe(state);
    expect(Object.keys(APPLICATION_TRANSITIONS).sort()).toEqual(['applied', 'dismissed', 'duplicate', 'invalid', 'review', 'unmatched']);
  });

  it('builds the SQL guards from the table', () => {
    expect(callbackGuardSql('setAside')).toBe("state IN ('received', 'unmatched')");
    expect(callbackGuardSql('attachByAdmin', 'c')).toBe("c.state IN ('unmatched')");
    expect(callbackMoveSql(['attachByAdmin', 'dismissByAdmin'], 'c.state', 'v.state')).toBe("(c.state, v.state) IN (('unmatched', 'applied'), ('unmatched', 'dismissed'))");
    expect(callbackTarget('dismissByAdmin')).toBe('dismissed');
    expect(() => callbackTarget('countFailure')).toThrow();
  });
});
