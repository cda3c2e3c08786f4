// Takes the statement file of POST /api/reconciliation/statements: multipart/form-data, one file in
// the field `file`, nothing else, at most 10 MB, held in memory (10 MB is small beside what the
// parsers need anyway). Runs after the API-key guard, so a caller without the role never uploads.
// multer's refusals become the service's error body with words that say what to send.
import { BadRequestException, CallHandler, ExecutionContext, Injectable, NestInterceptor, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { DomainError } from '../../common/domain-error';

export const STATEMENT_MAX_BYTES = 10 * 1024 * 1024;
export const STATEMENT_FIELD = 'file';

const HOW = `Send the statement as multipart/form-data, the file in the field "${STATEMENT_FIELD}" (e.g. curl -F ${STATEMENT_FIELD}=@statement.xlsx)`;

const Multer = FileInterceptor(STATEMENT_FIELD, {
  limits: { fileSize: STATEMENT_MAX_BYTES, files: 1, fields: 0, parts: 1 },
  // Browsers and curl send a file name's UTF-8 bytes as they are: read them as UTF-8, not Latin-1.
  defParamCharset: 'utf8',
});

const fileField = (message: string) => ({ fields: [{ field: STATEMENT_FIELD, messages: [message] }] });

function hasBody(request: Request): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
}

@Injectable()
export class StatementUploadInterceptor implements NestInterceptor {
  private readonly multer = new Multer();

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<Request>();
    if (hasBody(request) && !request.is('multipart/form-data')) {
      const type = request.headers['content-type'];
      throw new DomainError('UNSUPPORTED_MEDIA_TYPE', `${HOW}; this request's Content-Type was ${type ? `"${type.slice(0, 100)}"` : 'missing'}`);
    }
    try {
      return await this.multer.intercept(context, next);
    } catch (error) {
      throw this.refusal(error);
    }
  }

  private refusal(error: unknown): unknown {
    if (error instanceof PayloadTooLargeException) {
      const message = `The statement file is larger than ${STATEMENT_MAX_BYTES / 1024 / 1024} MB: export a shorter period`;
      return new DomainError('PAYLOAD_TOO_LARGE', message);
    }
    if (error instanceof UnsupportedMediaTypeException) return new DomainError('UNSUPPORTED_MEDIA_TYPE', HOW);
    if (error instanceof BadRequestException) {
      const message = `${HOW}, and no other field or file (${error.message})`;
      return new DomainError('VALIDATION_FAILED', message, fileField(message));
    }
    return error;
  }
}

/** The controller's check that a file came at all. */
export function missingFile(): DomainError {
  const message = `No statement file: ${HOW}`;
  return new DomainError('VALIDATION_FAILED', message, fileField(message));
}

/** Where the upload is served: the one /api path whose body is not JSON (http-app.ts). */
export const STATEMENT_UPLOAD_PATH = '/api/reconciliation/statements';
