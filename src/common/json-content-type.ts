// Every request body the API reads is JSON. One sent as anything else (curl's -d sends
// application/x-www-form-urlencoded) would be parsed by another parser, or not at all, and then
// refused field by field in terms that do not say what went wrong; it is refused up front instead.
// The M-Pesa callback keeps its own contract (any body that is not JSON answers 400), so it is left
// to its controller.
import type { NextFunction, Request, Response } from 'express';
import { DomainError } from './domain-error';

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/** A body worth reading: chunked, or a positive Content-Length. An empty body has no type to check. */
function hasBody(request: Request): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
}

export function unsupportedMediaType(contentType: string | undefined): DomainError {
  const seen = contentType === undefined || contentType.trim() === '' ? 'this request had no Content-Type' : `this request's was "${contentType.slice(0, 100)}"`;
  return new DomainError('UNSUPPORTED_MEDIA_TYPE', `Send the request body as JSON with the header Content-Type: application/json (${seen})`);
}

/**
 * Express middleware, before the body parsers. `prefixes` are where bodies must be JSON; `except`
 * are paths under them with rules of their own. Paths compare in lower case, as Express routes them.
 */
export function requireJsonBodies(prefixes: readonly string[], except: readonly string[]) {
  return (request: Request, _response: Response, next: NextFunction): void => {
    const path = request.path.toLowerCase();
    const applies = prefixes.some((prefix) => path.startsWith(prefix)) && !except.some((prefix) => path.startsWith(prefix));
    if (!applies || !hasBody(request) || JSON_TYPE.test(request.headers['content-type'] ?? '')) return next();
    next(unsupportedMediaType(request.headers['content-type']));
  };
}
