// Documents a route's error answers from one table: every code the API can answer with, what it
// means and an example body in the contract's shape. Typed by ErrorCode, so a new code cannot be
// added to ERROR_HTTP_STATUS without its documentation.
import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ERROR_HTTP_STATUS, ErrorBody, ErrorCode } from '../domain-error';
import { ErrorResponse } from './error.response';

interface ErrorDoc {
  /** When the API answers with this code. */
  meaning: string;
  /** The body without statusCode and code, which come from the code itself. */
  example: { message: string; [extra: string]: unknown };
}

export const ERROR_DOCS: Record<ErrorCode, ErrorDoc> = {
  VALIDATION_FAILED: {
    meaning: 'The request is invalid: a body, query or path field (named in `fields`), a body that is not JSON, or an unknown body field.',
    example: {
      message: 'patientName should not be empty; amount must be a whole number of shillings',
      fields: [
        { field: 'patientName', messages: ['patientName should not be empty'] },
        { field: 'amount', messages: ['amount must be a whole number of shillings'] },
      ],
    },
  },
  UNAUTHORIZED: {
    meaning: 'No API key, or a key the service does not know.',
    example: { message: 'An API key is required (X-API-Key or Authorization: Bearer)' },
  },
  FORBIDDEN: {
    meaning: 'The API key is known but its role may not do this.',
    example: { message: 'This route needs the admin role' },
  },
  NOT_FOUND: {
    meaning: 'No such resource (or, for the callback, a wrong token).',
    example: { message: 'Referral 5d0c4a9e-2f61-4c3b-8f0e-7d2a9b6e1c34 not found' },
  },
  METHOD_NOT_ALLOWED: {
    meaning: 'The path exists but not with this method.',
    example: { message: 'Method Not Allowed' },
  },
  INVALID_TRANSITION: {
    meaning: 'The referral workflow does not allow this from the current status.',
    example: { message: 'A referral cannot move from paid to cancelled', from: 'paid', to: 'cancelled' },
  },
  PAYMENT_IN_PROGRESS: {
    meaning: 'The referral already has a pending payment; `paymentId` names it.',
    example: { message: 'The referral already has a pending payment', paymentId: '0b7f3c52-4b8e-4f5e-9a59-2f0c6b1d8e41' },
  },
  WEBHOOK_URL_REFUSED: {
    meaning: "The endpoint's URL breaks the address rules: https outside simulator mode, and no loopback, private or link-local target unless `WEBHOOK_ALLOW_PRIVATE_URLS=true`.",
    example: { message: 'url points at 10.0.0.1, a loopback, private or link-local address' },
  },
  PAYMENT_NOT_RETRYABLE: {
    meaning: 'Only a failed payment can be retried.',
    example: { message: 'Only a failed payment can be retried (this one is completed)', paymentStatus: 'completed' },
  },
  RECEIPT_ALREADY_USED: {
    meaning: 'The M-Pesa receipt already pays another payment; `paymentId` names it.',
    example: { message: 'Receipt SGR7HJ2K4L already pays payment 0b7f3c52-4b8e-4f5e-9a59-2f0c6b1d8e41', paymentId: '0b7f3c52-4b8e-4f5e-9a59-2f0c6b1d8e41' },
  },
  RECEIPT_UNDER_REVIEW: {
    meaning:
      'A receipt of this phone number and amount is `unmatched` or `review` (`receipt` names it): the patient may already have paid, ' +
      'so no new payment or retry starts until an admin resolves that receipt (`POST /api/receipts/{receipt}/resolve`).',
    example: { message: 'Receipt SGR7HJ2K4L (KES 1000 from 254712***678) is under review: the patient may already have paid', receipt: 'SGR7HJ2K4L' },
  },
  RECEIPT_NOT_RESOLVABLE: {
    meaning: 'Only an `unmatched`, `review` or `refund-due` receipt can be resolved; `state` says what this one is (another admin may just have resolved it).',
    example: { message: 'Receipt SGR7HJ2K4L is applied; only an unmatched, review or refund-due receipt can be resolved', receipt: 'SGR7HJ2K4L', state: 'applied' },
  },
  RECEIPT_NOT_ATTACHABLE: {
    meaning:
      "The evidence rules a success callback meets refuse to let this receipt pay this payment; `rule` names which row of the table refused " +
      "(`amount-mismatch`: not the payment's amount; `doubt`: a pending payment of another phone; `conflict`: a payment completed with another " +
      'receipt, failed by a failure callback or an admin, its referral no longer `pending-payment`, or another payment of it pending; ' +
      '`refund-due`: another payment already paid the referral) and `message` says why in the words of the rule.',
    example: {
      message: 'The receipt cannot pay payment 0b7f3c52-4b8e-4f5e-9a59-2f0c6b1d8e41: it reports KES 500 paid, the payment is for KES 1000',
      rule: 'amount-mismatch',
      paymentId: '0b7f3c52-4b8e-4f5e-9a59-2f0c6b1d8e41',
    },
  },
  REFUND_NOT_ALLOWED: {
    meaning: 'Only a `refund-due` or `review` receipt can be refunded, and only once, ever (`state` says what this one is).',
    example: { message: 'Receipt SGR7HJ2K4L is applied; only a refund-due or review receipt can be refunded', receipt: 'SGR7HJ2K4L', state: 'applied' },
  },
  NOT_CONFIGURED: {
    meaning: 'No M-Pesa initiator is configured (`MPESA_INITIATOR_NAME` and `MPESA_SECURITY_CREDENTIAL`), so Transaction Status and Reversal cannot be sent.',
    example: { message: 'No M-Pesa initiator is configured (MPESA_INITIATOR_NAME and MPESA_SECURITY_CREDENTIAL): Transaction Status and Reversal cannot be sent' },
  },
  IDEMPOTENCY_REQUEST_IN_PROGRESS: {
    meaning: 'The first request with this `Idempotency-Key` is still running; try again shortly.',
    example: { message: 'The first request with this Idempotency-Key is still running' },
  },
  PAYLOAD_TOO_LARGE: {
    meaning: 'The body is over 64 KB (a statement upload: over 10 MB).',
    example: { message: 'Request body is too large' },
  },
  UNSUPPORTED_MEDIA_TYPE: {
    meaning:
      'The body was not sent as `Content-Type: application/json` (a form-encoded or text body, or none given), or uses a ' +
      'charset or content encoding the service does not read; the message says what to send.',
    example: { message: 'Send the request body as JSON with the header Content-Type: application/json (this request\'s was "application/x-www-form-urlencoded")' },
  },
  IDEMPOTENCY_KEY_REUSED: {
    meaning: 'This `Idempotency-Key` was used within 24 h with a different body.',
    example: { message: 'This Idempotency-Key was used with a different request body' },
  },
  RATE_LIMITED: {
    meaning: 'Too many requests; wait as long as `Retry-After` says.',
    example: { message: 'Too many requests' },
  },
  INTERNAL_ERROR: {
    meaning: 'An unexpected error; it is logged with `requestId`.',
    example: { message: 'Internal server error', requestId: '9e2b4f7a-1c3d-4e5f-8a6b-0c1d2e3f4a5b' },
  },
  SERVICE_UNAVAILABLE: {
    meaning: 'A dependency (Postgres, Redis) does not answer.',
    example: { message: 'Service Unavailable Exception', requestId: '9e2b4f7a-1c3d-4e5f-8a6b-0c1d2e3f4a5b' },
  },
};

const ALL_CODES = Object.keys(ERROR_HTTP_STATUS) as ErrorCode[];

export function errorExample(code: ErrorCode): ErrorBody {
  return { statusCode: ERROR_HTTP_STATUS[code], code, ...ERROR_DOCS[code].example };
}

/** One response per HTTP status, listing its codes, with one named example per code. */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  // The catalogue's order, whatever order the route listed them in: stable, readable output.
  for (const code of ALL_CODES.filter((known) => codes.includes(known))) {
    const status = ERROR_HTTP_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses = [...byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, statusCodes]) =>
      ApiResponse({
        status,
        description: statusCodes.map((code) => `\`${code}\`: ${ERROR_DOCS[code].meaning}`).join('\n\n'),
        type: ErrorResponse,
        examples: Object.fromEntries(statusCodes.map((code) => [code, { summary: code, value: errorExample(code) }])),
      }),
    );
  return applyDecorators(...responses);
}
