// Daraja's synchronous error answers, sorted into what the caller should do (DARAJA.md, "Errors").
import type { DarajaError } from './daraja.types';

export const INVALID_TOKEN_CODE = '404.001.03';
/** The overloaded code: merchant, credentials, subscriber lock and "being processed" all share it. */
const OVERLOADED_CODE = '500.001.1001';
const LOCK_SUBSCRIBER_WAIT_MS = 60_000;

export interface ErrorEnvelope {
  requestId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : null);

/** `{"requestId","errorCode","errorMessage"}`; any missing part is null (a 400 with no body has been seen). */
export function readErrorEnvelope(body: unknown): ErrorEnvelope {
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  return { requestId: str(record.requestId), errorCode: str(record.errorCode), errorMessage: str(record.errorMessage) };
}

export function isInvalidTokenAnswer(status: number, body: unknown): boolean {
  return status === 404 && readErrorEnvelope(body).errorCode === INVALID_TOKEN_CODE;
}

/** Only under 500.001.1001 does the message decide, because only there is the code ambiguous. */
export function isLockSubscriber(message: string | null): boolean {
  return /unable to lock subscriber/i.test(message ?? '');
}
export function isBeingProcessed(message: string | null): boolean {
  return /being processed/i.test(message ?? '');
}
function isConfigurationRefusal(message: string | null): boolean {
  return /merchant does not exist|wrong credentials/i.test(message ?? '');
}

/** A non-200 answer to a push (or to a query, before the query's own rules): the request was refused. */
export function classifyHttpError(status: number, body: unknown): DarajaError {
  const { errorCode, errorMessage } = readErrorEnvelope(body);
  const base = { httpStatus: status, errorCode, errorMessage: errorMessage ?? `Daraja answered HTTP ${status}` };
  if (errorCode === INVALID_TOKEN_CODE) return { ...base, errorClass: 'token' };
  if (errorCode === OVERLOADED_CODE) {
    if (isLockSubscriber(errorMessage)) return { ...base, errorClass: 'retryable', retryAfterMs: LOCK_SUBSCRIBER_WAIT_MS };
    if (isConfigurationRefusal(errorMessage)) return { ...base, errorClass: 'permanent' };
    // An unknown message under the overloaded code: Daraja answered, so nothing was pushed; retries are bounded.
    return { ...base, errorClass: 'retryable' };
  }
  // A gateway timeout without Daraja's envelope: Daraja itself may have taken the push and lost the answer.
  if (status === 504 && errorCode === null) return { ...base, errorClass: 'indeterminate' };
  if (status === 429 || status >= 500) return { ...base, errorClass: 'retryable' };
  return { ...base, errorClass: 'permanent' };
}
