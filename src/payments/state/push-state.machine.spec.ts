import { PAYMENT_STATUSES, PaymentStatus, PUSH_STATES, PushState } from '../payment-status';
import { checkPush, pushGuardSql, pushTarget, PUSH_TRANSITIONS_NAMES, PushTransition, settledPushState } from './push-state.machine';

const P: PaymentStatus[] = ['pending'];
const ANY: PaymentStatus[] = ['pending', 'completed', 'failed'];

// The table, written out independently of the implementation's data structure: transition > from → to.
const ALLOWED: Record<PushTransition, { statuses: PaymentStatus[]; moves: Record<string, PushState> }> = {
  claim: { statuses: P, moves: { queued: 'sending' } },
  accept: { statuses: ANY, moves: { queued: 'accepted', sending: 'accepted', accepted: 'accepted', indeterminate: 'accepted', abandoned: 'accepted' } },
  markIndeterminate: { statuses: P, moves: { sending: 'indeterminate' } },
  requeue: { statuses: P, moves: { sending: 'queued' } },
  leaseForQuery: { statuses: P, moves: { queued: 'queued', sending: 'sending', accepted: 'accepted', indeterminate: 'indeterminate', abandoned: 'abandoned' } },
  recordQueryAnswer: { statuses: ANY, moves: { queued: 'queued', sending: 'sending', accepted: 'accepted', indeterminate: 'indeterminate', abandoned: 'abandoned' } },
  expire: { statuses: P, moves: { queued: 'abandoned', indeterminate: 'indeterminate' } },
  complete: { statuses: ANY, moves: { queued: 'accepted', sending: 'accepted', accepted: 'accepted', indeterminate: 'indeterminate', abandoned: 'abandoned' } },
  fail: { statuses: ANY, moves: { queued: 'abandoned', sending: 'abandoned', accepted: 'accepted', indeterminate: 'indeterminate', abandoned: 'abandoned' } },
};

const cases: [PushTransition, PaymentStatus, PushState][] = PUSH_TRANSITIONS_NAMES.flatMap((t) =>
  PAYMENT_STATUSES.flatMap((s) => PUSH_STATES.map((p) => [t, s, p] as [PushTransition, PaymentStatus, PushState])),
);

describe('push state machine', () => {
  it('covers every transition × status × push state (9 × 3 × 5)', () => {
    expect(cases).toHaveLength(135);
  });

  it.each(cases)('%s with payment %s, push %s', (transition, status, pushState) => {
    const rule = ALLOWED[transition];
    const check = checkPush(transition, status, pushState);
    if (!rule.statuses.includes(status)) expect(check).toEqual({ allowed: false, reason: 'status' });
    else if (!rule.moves[pushState]) expect(check).toEqual({ allowed: false, reason: 'push-state' });
    else expect(check).toEqual({ allowed: true, to: rule.moves[pushState] });
  });

  it('settles a push the way a settlement leaves it', () => {
    expect(settledPushState('queued', 'completed')).toBe('accepted');
    expect(settledPushState('sending', 'failed')).toBe('abandoned');
    expect(settledPushState('indeterminate', 'failed')).toBe('indeterminate');
    expect(settledPushState('accepted', 'failed')).toBe('accepted');
  });

  it('builds the SQL guards from the table', () => {
    expect(pushGuardSql('claim')).toBe("status IN ('pending') AND push_state IN ('queued')");
    expect(pushGuardSql('markIndeterminate', 'p')).toBe("p.status IN ('pending') AND p.push_state IN ('sending')");
    expect(pushGuardSql('expire')).toBe("status IN ('pending') AND push_state IN ('queued', 'indeterminate')");
    expect(pushGuardSql('leaseForQuery')).toBe("status IN ('pending')");
    expect(pushGuardSql('recordQueryAnswer')).toBe('TRUE');
    expect(pushTarget('requeue')).toBe('queued');
    expect(() => pushTarget('expire')).toThrow();
  });
});
