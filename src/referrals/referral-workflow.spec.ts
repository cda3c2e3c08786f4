import { REFERRAL_STATUSES, ReferralStatus } from './referral-status';
import { checkSystemMove, checkTransition } from './referral-workflow';

// The contract's table, written out independently of the implementation's data structure.
const ALLOWED: Record<string, 'anyone' | 'admin'> = {
  'pending-admin>awaiting-biodata': 'admin',
  'pending-admin>rejected': 'admin',
  'pending-admin>cancelled': 'anyone',
  'awaiting-biodata>pending-payment': 'anyone',
  'awaiting-biodata>cancelled': 'anyone',
  'pending-payment>cancelled': 'anyone',
  'paid>confirmed': 'anyone',
};

const pairs: [ReferralStatus, ReferralStatus][] = REFERRAL_STATUSES.flatMap((from) =>
  REFERRAL_STATUSES.map((to) => [from, to] as [ReferralStatus, ReferralStatus]),
);

describe('referral workflow transition table', () => {
  it('covers all 49 from/to pairs', () => {
    expect(pairs).toHaveLength(49);
  });

  it.each(pairs)('%s -> %s', (from, to) => {
    const rule = ALLOWED[`${from}>${to}`];
    const asAdmin = checkTransition(from, to, 'admin');
    const asStaff = checkTransition(from, to, 'staff');
    if (!rule) {
      expect(asAdmin).toEqual({ allowed: false, reason: 'not-in-table' });
      expect(asStaff).toEqual({ allowed: false, reason: 'not-in-table' });
    } else if (rule === 'admin') {
      expect(asAdmin).toEqual({ allowed: true });
      expect(asStaff).toEqual({ allowed: false, reason: 'admin-only' });
    } else {
      expect(asAdmin).toEqual({ allowed: true });
      expect(asStaff).toEqual({ allowed: true });
    }
  });

  it('never lets a request set paid', () => {
    for (const from of REFERRAL_STATUSES) {
      expect(checkTransition(from, 'paid', 'admin').allowed).toBe(false);
    }
  });
});

describe('referral workflow: the system moves', () => {
  const SOURCES = ['api', 'callback', 'reconciliation', 'admin', 'worker'] as const;
  // from>to → the sources that make it, written out independently.
  const SYSTEM: Record<string, { move: 'paymentCompleted' | 'paymentTakenBack'; sources: string[] }> = {
    'pending-payment>paid': { move: 'paymentCompleted', sources: ['callback', 'reconciliation', 'admin'] },
    'paid>pending-payment': { move: 'paymentTakenBack', sources: ['admin'] },
  };
  const cases = (['paymentCompleted', 'paymentTakenBack'] as const).flatMap((move) =>
    REFERRAL_STATUSES.flatMap((from) => SOURCES.map((source) => [move, from, source] as const)),
  );

  it.each(cases)('%s from %s by %s', (move, from, source) => {
    const row = Object.entries(SYSTEM).find(([pair, rule]) => rule.move === move && pair.startsWith(`${from}>`));
    const check = checkSystemMove(move, from, source);
    if (!row) expect(check).toEqual({ allowed: false, reason: 'not-in-table' });
    else if (!row[1].sources.includes(source)) expect(check).toEqual({ allowed: false, reason: 'source' });
    else expect(check).toEqual({ allowed: true, to: row[0].split('>')[1] });
  });
});
