// Everything under /simulator answers as Daraja does, including the errors raised before a
// simulator handler runs: the body parser's (not JSON, too large, an unreadable charset), the
// service's own guards (a body that is not application/json, NUL characters, deep nesting, a process
// shutting down) and the router's (a bare or broken path). Those write the service's error body;
// this middleware, first in line for /simulator, rewrites any such body into Daraja's envelope
// `{requestId, errorCode, errorMessage}` on its way out, keeping the HTTP status. Bodies that are
// already Daraja's (every simulator handler's) pass untouched.
import type { NextFunction, Request, Response } from 'express';
import { newRequestId } from './daraja-ids';

export const SIMULATOR_PATH_PREFIX = '/simulator';

interface ServiceErrorBody {
  statusCode: number;
  code: string;
  message: string;
}

function isServiceErrorBody(body: unknown): body is ServiceErrorBody {
  const candidate = body as Partial<ServiceErrorBody> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.code === 'string' && typeof candidate.statusCode === 'number';
}

/** Daraja's codes where it has one (DARAJA.md), else `<status>.001.01` with the HTTP reason. */
export function darajaEnvelopeFor(status: number, message: string): { requestId: string; errorCode: string; errorMessage: string } {
  const envelope = (errorCode: string, errorMessage: string) => ({ requestId: newRequestId(), errorCode, errorMessage });
  switch (status) {
    case 400:
      return envelope('400.002.02', `Bad Request - ${message}`);
    case 404:
      return envelope('404.001.01', 'Resource not found');
    case 405:
      return envelope('405.001', 'Method Not Allowed');
    case 413:
      return envelope('413.001.01', `Payload Too Large - ${message}`);
    case 415:
      return envelope('415.001.01', `Unsupported Media Type - ${message}`);
    case 503:
      return envelope('503.001.01', `Service Unavailable - ${message}`);
    default:
      return status >= 500 ? envelope('500.003.1001', 'Internal Server Error') : envelope(`${status}.001.01`, message);
  }
}

/** Express middleware for SIMULATOR_PATH_PREFIX, mounted before every other one. */
export function answerErrorsInDarajaEnvelope(_request: Request, response: Response, next: NextFunction): void {
  const json = response.json.bind(response);
  response.json = (body: unknown) =>
    json(response.statusCode >= 400 && isServiceErrorBody(body) ? darajaEnvelopeFor(response.statusCode, body.message) : body);
  next();
}
