import { REFERRAL_STATUSES, ReferralStatus } from './referral-status';
import { checkTransition } from './referral-workflow';

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
