// Idempotency-Key on the POSTs that start a payment: the same key and body within 24 h gets the
// first answer back and starts nothing; the same key with another body 422; while the first
// request is still running, 409.
import { createHash } from 'node:crypto';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor, UseInterceptors } from '@nestjs/common';
import type { Request, Response } from 'express';
import { from, lastValueFrom, Observable } from 'rxjs';
import { DomainError } from '../domain-error';
import { errorToBody } from '../error-body';
import { IdempotencyStore } from './idempotency.store';

const KEY_FORMAT = /^[\x21-\x7e]{1,200}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Thrown to send a remembered answer as it was; the error filter writes it out unchanged. */
export class ReplayedResponse {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

/** Key order and the letter case of UUIDs do not make another request: the same body hashes the same. */
function canonicalJson(value: unknown): string {
  if (typeof value === 'string' && UUID.test(value)) return JSON.stringify(value.toLowerCase());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly store: IdempotencyStore) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request & { id?: string }>();
    const response = context.switchToHttp().getResponse<Response>();
    const key = request.headers['idempotency-key'];
    if (key === undefined) return next.handle();
    return from(this.handle(typeof key === 'string' ? key : '', request, response, next));
  }

  private async handle(key: string, request: Request & { id?: string }, response: Response, next: CallHandler): Promise<unknown> {
    if (!KEY_FORMAT.test(key)) {
      throw new DomainError('VALIDATION_FAILED', 'Idempotency-Key must be 1 to 200 visible ASCII characters', {
        fields: [{ field: 'Idempotency-Key', messages: ['must be 1 to 200 visible ASCII characters'] }],
      });
    }
    const scope = scopeOf(request.method, routeTemplateOf(request), request.params);
    const requestHash = createHash('sha256').update(canonicalJson(request.body)).digest('hex');
    const claim = await this.store.claim(scope, key, requestHash);
    switch (claim.kind) {
      case 'different-request':
        throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request body');
      case 'in-progress':
        throw new DomainError('IDEMPOTENCY_REQUEST_IN_PROGRESS', 'The first request with this Idempotency-Key is still running');
      case 'replay':
        response.setHeader('Idempotent-Replayed', 'true');
        throw new ReplayedResponse(claim.status, claim.body);
      case 'claimed':
        break;
    }
    try {
      const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      await this.store.complete(scope, key, response.statusCode, body);
      return body;
    } catch (error) {
      const answer = errorToBody(error, request.id);
      // A refusal (4xx) is an answer worth replaying; a crash is not: the client may try again.
      if (answer.statusCode < 500) await this.store.complete(scope, key, answer.statusCode, answer);
      else await this.store.release(scope, key);
      throw error;
    }
  }
}

/** One spelling per value: a UUID is the same resource in any letter case. */
function normaliseParam(value: unknown): string {
  const text = Array.isArray(value) ? value.join('/') : String(value);
  return UUID.test(text) ? text.toLowerCase() : text;
}

/**
 * The route as declared (`/api/referrals/:id/payments`), not as requested: Express routes other
 * spellings (letter case, a trailing slash) to the same handler, and they are the same request.
 */
function routeTemplateOf(request: Request): string {
  const declared: unknown = request.route?.path;
  return typeof declared === 'string' ? declared : request.path.toLowerCase().replace(/\/+$/, '');
}

/**
 * Where keys are unique: the resource a request acts on, that is the method, the route template
 * and its parameters, normalised; an overlong scope (the column holds 200) by its digest.
 */
export function scopeOf(method: string, routeTemplate: string, params: Record<string, unknown> = {}): string {
  const named = Object.keys(params)
    .sort()
    .map((name) => ` ${name}=${encodeURIComponent(normaliseParam(params[name]))}`)
    .join('');
  const scope = `${method.toUpperCase()} ${routeTemplate}${named}`;
  return scope.length <= 200 ? scope : `${method.toUpperCase()} sha256:${createHash('sha256').update(scope).digest('hex')}`;
}

/** Marks a route as honouring Idempotency-Key. */
export const Idempotent = () => UseInterceptors(IdempotencyInterceptor);
