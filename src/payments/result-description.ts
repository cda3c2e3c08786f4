// The errorMessage a failed payment shows: what happened, in words an operator can act on.
import type { ResultReason } from '../mpesa/result-codes';

const REASON_TEXT: Record<ResultReason, string> = {
  paid: 'Paid',
  cancelled: 'The customer cancelled the M-Pesa prompt',
  timeout: 'The customer did not answer the M-Pesa prompt in time',
  'insufficient-funds': 'The customer has insufficient M-Pesa funds',
  'wrong-pin': 'The customer entered a wrong M-Pesa PIN',
  limits: 'An M-Pesa transaction limit was reached',
  configuration: 'M-Pesa refused the payment because of our paybill configuration',
  retryable: 'M-Pesa could not process the payment; it can be retried',
  unknown: 'M-Pesa reported an unknown result',
};

export function describeFailure(resultCode: string, resultDesc: string | null, reason: ResultReason): string {
  return `${REASON_TEXT[reason]} (result ${resultCode}${resultDesc ? `: ${resultDesc}` : ''})`.slice(0, 500);
}
