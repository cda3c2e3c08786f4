// The one place that turns any thrown error into an HTTP answer in the contract's error shape.
import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorToBody } from './error-body';
import { ReplayedResponse } from './idempotency/idempotency.interceptor';

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request & { id?: string }>();
    const response = http.getResponse<Response>();
    if (response.headersSent) return;
    if (error instanceof ReplayedResponse) {
      response.status(error.status).json(error.body);
      return;
    }
    const body = errorToBody(error, request.id);
    if (body.statusCode >= 500) {
      this.logger.error(
        { err: error, requestId: request.id, method: request.method, route: request.route?.path },
        'Unexpected error while handling a request',
      );
    }
    response.status(body.statusCode).json(body);
  }
}
