// Domain errors carry a stable code; services throw them and the HTTP filter maps codes to statuses.

export const ERROR_HTTP_STATUS = {
  VALIDATION_FAILED: 400,
  WEBHOOK_URL_REFUSED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  INVALID_TRANSITION: 409,
  PAYMENT_IN_PROGRESS: 409,
  PAYMENT_NOT_RETRYABLE: 409,
  RECEIPT_ALREADY_USED: 409,
  RECEIPT_UNDER_REVIEW: 409,
  RECEIPT_NOT_RESOLVABLE: 409,
  RECEIPT_NOT_ATTACHABLE: 409,
  REFUND_NOT_ALLOWED: 409,
  NOT_CONFIGURED: 409,
  IDEMPOTENCY_REQUEST_IN_PROGRESS: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_HTTP_STATUS;

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra fields placed in the error body, e.g. `{ paymentId }` for PAYMENT_IN_PROGRESS. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get httpStatus(): number {
    return ERROR_HTTP_STATUS[this.code];
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${id} not found`);
  }
}

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  [extra: string]: unknown;
}
