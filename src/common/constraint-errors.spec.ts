import { QueryFailedError } from 'typeorm';
import { constraintDomainError, violatedConstraint } from './constraint-errors';
import { DomainError } from './domain-error';

const violation = (code: string, constraint?: string) => new QueryFailedError('UPDATE payments ...', [], Object.assign(new Error('violation'), { code, constraint }));

describe('constraint violations a request can cause', () => {
  it('maps a receipt given to two payments to RECEIPT_ALREADY_USED', () => {
    const error = constraintDomainError(violation('23505', 'payments_receipt_unique'));
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'RECEIPT_ALREADY_USED', httpStatus: 409 });
  });

  it('maps a lost race for the one pending payment to PAYMENT_IN_PROGRESS and an out-of-range amount to a named field', () => {
    expect(constraintDomainError(violation('23505', 'payments_one_pending_per_referral'))).toMatchObject({ code: 'PAYMENT_IN_PROGRESS' });
    expect(constraintDomainError(violation('23514', 'payments_amount_check'))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: [{ field: 'amount', messages: [expect.any(String)] }] },
    });
  });

  it('leaves invariants of the code, other errors and other SQLSTATEs alone: they are bugs, answered 500', () => {
    expect(constraintDomainError(violation('23514', 'payments_push_state_check'))).toBeNull();
    expect(constraintDomainError(violation('23505'))).toBeNull();
    expect(constraintDomainError(violation('22001', 'payments_receipt_unique'))).toBeNull();
    expect(constraintDomainError(new Error('payments_receipt_unique'))).toBeNull();
    expect(violatedConstraint(violation('23503', 'payment_events_payment_id_fkey'))).toBe('payment_events_payment_id_fkey');
  });
});
