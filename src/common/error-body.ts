// Turns any thrown value into the contract's error body. Shared by the HTTP filter and by the
// idempotency interceptor, which must remember refusals exactly as the client saw them.
import { HttpException } from '@nestjs/common';
import { constraintDomainError } from './constraint-errors';
import { DEPENDENCY_UNAVAILABLE_MESSAGE, isDependencyUnavailable } from './dependency-errors';
import { DomainError, ErrorBody, ERROR_HTTP_STATUS, ErrorCode } from './domain-error';

const CODE_BY_STATUS: Record<number, ErrorCode> = Object.entries(ERROR_HTTP_STATUS).reduce(
  (acc, [code, status]) => (acc[status] ??= code as ErrorCode, acc),
  {} as Record<number, ErrorCode>,
);

/** body-parser and friends throw plain errors carrying `status`/`type`; they are the client's fault. */
interface ParserError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

export const INTERNAL_ERROR_MESSAGE = 'Internal server error';
const UNREADABLE_BODY_ADVICE = 'send JSON in UTF-8 with Content-Type: application/json, uncompressed or with Content-Encoding gzip, deflate or br';

export function errorToBody(error: unknown, requestId: string | undefined): ErrorBody {
  // A race the services' checks could not see, refused by the database: the same answer as the check's.
  error = constraintDomainError(error) ?? error;
  if (error instanceof DomainError) {
    return { ...error.details, statusCode: error.httpStatus, code: error.code, message: error.message };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const raw = error.getResponse();
    const fromRaw = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    const code = (typeof fromRaw.code === 'string' ? fromRaw.code : CODE_BY_STATUS[status]) ?? 'INTERNAL_ERROR';
    const message = Array.isArray(fromRaw.message)
      ? fromRaw.message.join('; ')
      : typeof fromRaw.message === 'string'
        ? fromRaw.message
        : error.message;
    const extra = { ...fromRaw };
    delete extra.statusCode;
    delete extra.error;
    if (status >= 500) return { statusCode: status, code, message: status === 500 ? INTERNAL_ERROR_MESSAGE : message, requestId };
    // The body parser's own 415 (a charset or Content-Encoding it cannot read) says what is wrong, not what to send.
    if (status === 415) return { statusCode: 415, code, message: `${message}: ${UNREADABLE_BODY_ADVICE}` };
    return { ...extra, statusCode: status, code, message };
  }
  const parserError = error as ParserError | null;
  const parserStatus = parserError?.status ?? parserError?.statusCode;
  if (parserError?.expose && typeof parserStatus === 'number' && parserStatus >= 400 && parserStatus < 500) {
    if (parserStatus === 413) return { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' };
    if (parserStatus === 415) return { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: `Unsupported content encoding or charset: ${UNREADABLE_BODY_ADVICE}` };
    const message = parserError.type === 'entity.parse.failed' ? 'Request body is not valid JSON' : 'Request body could not be read';
    return { statusCode: 400, code: 'VALIDATION_FAILED', message };
  }
  // Postgres or Redis away: not the client's fault and not a bug; the client may retry shortly.
  if (isDependencyUnavailable(error)) return { statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: DEPENDENCY_UNAVAILABLE_MESSAGE, requestId };
  return { statusCode: 500, code: 'INTERNAL_ERROR', message: INTERNAL_ERROR_MESSAGE, requestId };
}
