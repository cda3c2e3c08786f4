import { PAYMENT_STATUSES, PaymentEventSource, PaymentStatus } from '../payment-status';
import { assertStatusChange, checkStatusChange } from './payment-status.machine';

const SOURCES: PaymentEventSource[] = ['api', 'worker', 'callback', 'reconciliation', 'admin'];

// The table, written out independently: from>to → the sources that may make the move.
const ALLOWED: Record<string, PaymentEventSource[]> = {
  'pending>completed': ['callback', 'reconciliation', 'admin'],
  'pending>failed': ['worker', 'callback', 'reconciliation', 'admin'],
  'completed>completed': ['admin'],
  'completed>failed': ['admin'],
  'failed>completed': ['callback', 'reconciliation', 'admin'],
  'failed>failed': ['admin'],
};

const cases: [PaymentStatus, PaymentStatus, PaymentEventSource][] = PAYMENT_STATUSES.flatMap((from) =>
  PAYMENT_STATUSES.flatMap((to) => SOURCES.map((source) => [from, to, source] as [PaymentStatus, PaymentStatus, PaymentEventSource])),
);

describe('payment status machine', () => {
  it('covers every from × to × source (3 × 3 × 5)', () => {
    expect(cases).toHaveLength(45);
  });

  it.each(cases)('%s -> %s by %s', (from, to, source) => {
    const sources = ALLOWED[`${from}>${to}`];
    const check = checkStatusChange(from, to, source);
    if (!sources) expect(check).toEqual({ allowed: false, reason: 'not-in-table' });
    else if (!sources.includes(source)) expect(check).toEqual({ allowed: false, reason: 'source' });
    else expect(check).toEqual({ allowed: true });
    if (check.allowed) expect(() => assertStatusChange('p', from, to, source)).not.toThrow();
    else expect(() => assertStatusChange('p', from, to, source)).toThrow(`payment p: ${source} may not move it from ${from} to ${to}`);
  });

  it('never returns a payment to pending, and only an admin touches a completed one', () => {
    for (const from of PAYMENT_STATUSES) for (const source of SOURCES) expect(checkStatusChange(from, 'pending', source).allowed).toBe(false);
    for (const to of PAYMENT_STATUSES) for (const source of SOURCES.filter((s) => s !== 'admin')) expect(checkStatusChange('completed', to, source).allowed).toBe(false);
  });
});
