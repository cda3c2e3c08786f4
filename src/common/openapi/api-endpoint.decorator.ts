// One decorator per route for its whole OpenAPI entry: summary, access, success answer and every
// error answer, the ones all routes share included, so no route can forget them.
import { applyDecorators, Type } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ContentObject, HeadersObject } from '@nestjs/swagger';
import type { ErrorCode } from '../domain-error';
import { ApiErrors } from './api-errors.decorator';
import { accessNote, ApiRole, DocumentedAccess } from './api-role.decorator';

export interface EndpointDoc {
  summary: string;
  /** Markdown; the access note is appended. */
  description?: string;
  access: DocumentedAccess;
  /** A JSON model (`type`), or for anything else (an event stream, text) the raw `content`. */
  success: {
    status: number;
    description: string;
  } & ({ type: Type<unknown>; isArray?: boolean } | { content: ContentObject });
  /** The route reads a JSON body: bad JSON, an oversized body or a bad encoding can be refused. */
  jsonBody?: boolean;
  /** The route honours `Idempotency-Key` (the POSTs that start a payment). */
  idempotent?: boolean;
  /** The errors particular to this route; authentication and 500 are added from `access`. */
  errors?: ErrorCode[];
}

const IDEMPOTENCY_NOTE =
  'Send an `Idempotency-Key` to make retries safe: the same key with the same body within 24 h ' +
  'answers the first answer again (with `Idempotent-Replayed: true`) and starts nothing.';

const REPLAY_HEADER: HeadersObject = {
  'Idempotent-Replayed': {
    description: 'Present (`true`) when this is the remembered answer to an earlier request with the same key.',
    schema: { type: 'string', enum: ['true'] },
  },
};

export function ApiIdempotencyKey(): MethodDecorator & ClassDecorator {
  return ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      '1 to 200 visible ASCII characters, e.g. a UUID. The same key with the same body within 24 h replays the first ' +
      'answer and starts nothing; with another body 422 `IDEMPOTENCY_KEY_REUSED`; while the first request runs, ' +
      '409 `IDEMPOTENCY_REQUEST_IN_PROGRESS`.',
    schema: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]{1,200}$' },
    example: '6f1d3c1e-payment-for-referral-42',
  });
}

function errorsFor(doc: EndpointDoc): ErrorCode[] {
  return [
    ...(doc.jsonBody ? (['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const) : []),
    // Keyed routes are rate limited per key (RATE_LIMIT_PER_MINUTE); public ones are not.
    ...(doc.access === 'public' ? [] : (['UNAUTHORIZED', 'RATE_LIMITED'] as const)),
    ...(doc.access === 'admin' ? (['FORBIDDEN'] as const) : []),
    ...(doc.idempotent ? (['VALIDATION_FAILED', 'IDEMPOTENCY_REQUEST_IN_PROGRESS', 'IDEMPOTENCY_KEY_REUSED'] as const) : []),
    ...(doc.errors ?? []),
    'INTERNAL_ERROR',
  ];
}

export function ApiEndpoint(doc: EndpointDoc): MethodDecorator {
  const description = [doc.description, doc.idempotent ? IDEMPOTENCY_NOTE : undefined, accessNote(doc.access)]
    .filter((part): part is string => Boolean(part))
    .join('\n\n');
  return applyDecorators(
    ApiOperation({ summary: doc.summary, description }),
    ApiRole(doc.access),
    ApiResponse({ ...doc.success, ...(doc.idempotent ? { headers: REPLAY_HEADER } : {}) }),
    ...(doc.idempotent ? [ApiIdempotencyKey()] : []),
    ApiErrors(...errorsFor(doc)),
  );
}
