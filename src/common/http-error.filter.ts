// The one place that turns any thrown error into the contract's error body.
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
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

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request & { id?: string }>();
    const response = http.getResponse<Response>();
    if (response.headersSent) return;
    const body = this.toBody(error, request);
    if (body.statusCode === 429 && error instanceof HttpException) {
      const retryAfter = response.getHeader('Retry-After');
      if (retryAfter) body.retryAfter = Number(retryAfter);
    }
    response.status(body.statusCode).json(body);
  }

  private toBody(error: unknown, request: Request & { id?: string }): ErrorBody {
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
      if (status >= 500) this.logUnexpected(error, request);
      const extra = { ...fromRaw };
      delete extra.statusCode;
      delete extra.error;
      return { ...extra, statusCode: status, code, message, ...(status >= 500 ? { requestId: request.id } : {}) };
    }
    const parserError = error as ParserError;
    const parserStatus = parserError?.status ?? parserError?.statusCode;
    if (parserError?.expose && typeof parserStatus === 'number' && parserStatus >= 400 && parserStatus < 500) {
      return this.parserErrorBody(parserStatus, parserError.type);
    }
    this.logUnexpected(error, request);
    return { statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal server error', requestId: request.id };
  }

  private parserErrorBody(status: number, type: string | undefined): ErrorBody {
    if (status === 413) return { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' };
    if (status === 415) return { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported content encoding or charset' };
    const message = type === 'entity.parse.failed' ? 'Request body is not valid JSON' : 'Request body could not be read';
    return { statusCode: 400, code: 'VALIDATION_FAILED', message };
  }

  private logUnexpected(error: unknown, request: Request & { id?: string }): void {
    this.logger.error(
      { err: error, requestId: request.id, method: request.method, route: request.route?.path },
      'Unexpected error while handling a request',
    );
  }
}
