// The Postgres constraints a request can run into, each mapped to the domain error a client should
// see. Validation and the services' own checks normally answer first; a constraint fires when two
// requests race past those checks together (two admins giving one receipt to two payments), and
// then the database's refusal is the answer: the transaction rolled back, nothing changed.
// Constraints no request can reach (push states, history sources, seq) are invariants of the code:
// violating one is a bug and stays a 500.
import { QueryFailedError } from 'typeorm';
import { DomainError, ErrorCode } from './domain-error';

/** SQLSTATE class 23: integrity constraint violations (unique 23505, check 23514, ...). */
const INTEGRITY_VIOLATION = /^23[0-9A-Z]{3}$/;

export const RECEIPT_UNIQUE = 'payments_receipt_unique';
export const ONE_PENDING_PER_REFERRAL = 'payments_one_pending_per_referral';

const REQUEST_CONSTRAINTS: Record<string, { code: ErrorCode; message: string; field?: string }> = {
  [RECEIPT_UNIQUE]: { code: 'RECEIPT_ALREADY_USED', message: 'This M-Pesa receipt already pays another payment' },
  [ONE_PENDING_PER_REFERRAL]: { code: 'PAYMENT_IN_PROGRESS', message: 'The referral already has a pending payment' },
  referrals_amount_check: { code: 'VALIDATION_FAILED', message: 'amount must be a whole number of shillings from 1 to 250000', field: 'amount' },
  payments_amount_check: { code: 'VALIDATION_FAILED', message: 'amount must be a whole number of shillings from 1 to 250000', field: 'amount' },
  payments_phone_number_check: { code: 'VALIDATION_FAILED', message: 'phoneNumber must be a Kenyan mobile number', field: 'phoneNumber' },
};

/** The name of the constraint an error violated, when it is an integrity violation. */
export function violatedConstraint(error: unknown): string | null {
  if (!(error instanceof QueryFailedError)) return null;
  const driverError = error.driverError as { code?: unknown; constraint?: unknown } | undefined;
  if (typeof driverError?.code !== 'string' || !INTEGRITY_VIOLATION.test(driverError.code)) return null;
  return typeof driverError.constraint === 'string' ? driverError.constraint : null;
}

/** The domain error for a violation a request can cause; null for anything else. */
export function constraintDomainError(error: unknown): DomainError | null {
  const constraint = violatedConstraint(error);
  const known = constraint === null ? undefined : REQUEST_CONSTRAINTS[constraint];
  if (!known) return null;
  return new DomainError(known.code, known.message, known.field ? { fields: [{ field: known.field, messages: [known.message] }] } : {});
}
