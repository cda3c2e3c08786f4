// The typed answers of the Daraja client: every HTTP outcome becomes one of these, never an exception.

/**
 * - `permanent`: Daraja refused the request itself (bad field, unknown merchant, wrong credentials); resending it cannot help.
 * - `retryable`: Daraja (or the network before our request left) refused it for now; nothing was pushed, so a resend is safe after backoff.
 * - `token`: no working access token (bad consumer credentials, or a fresh token refused too); nothing was pushed.
 * - `indeterminate`: the request may have reached Daraja but no usable answer came back; for a push the prompt may be on
 *   the customer's phone, so never resend blindly (reconciliation settles it). For a query it only means "ask again later".
 */
export type DarajaErrorClass = 'permanent' | 'retryable' | 'token' | 'indeterminate';

export interface DarajaError {
  errorClass: DarajaErrorClass;
  /** null when no HTTP answer arrived (timeout, reset, refused connection). */
  httpStatus: number | null;
  /** Daraja's `errorCode` (e.g. `500.003.02`), or a transport code (e.g. `ECONNREFUSED`, `TIMEOUT`). */
  errorCode: string | null;
  errorMessage: string;
  /** minimum wait before retrying, e.g. 60s for "Unable to lock subscriber" */
  retryAfterMs?: number;
}

export type StkPushResult =
  | { kind: 'accepted'; merchantRequestId: string; checkoutRequestId: string; customerMessage: string }
  | ({ kind: 'error' } & DarajaError);

export type StkQueryResult =
  /** resultCode is always a string, e.g. '0', '1032' */
  | { kind: 'final'; resultCode: string; resultDesc: string }
  /** both HTTP 500 "being processed" and HTTP 200 ResultCode 4999 */
  | { kind: 'processing' }
  /** 'indeterminate' for spike arrest/quota/429/5xx/network; 'permanent' e.g. 400 Invalid CheckoutRequestID; 'token' */
  | ({ kind: 'error' } & DarajaError);

export interface StkPushRequest {
  /** any form normalizePhoneNumber accepts; sent as PartyA and PhoneNumber */
  phoneNumber: string;
  /** whole shillings, 1 to 250,000 */
  amount: number;
  /** cut to 12 characters */
  accountReference: string;
  /** cut to 13 characters; an empty one is sent as the account reference (Daraja refuses a missing one) */
  transactionDesc: string;
  callbackUrl: string;
}
