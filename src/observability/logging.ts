// Structured JSON logs with a request id on every line; secrets and phone numbers never written.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggerParams } from './pino-logger.module';
import type { AppConfig } from '../config/app-config';
import { scrubText, scrubValue } from './log-scrubber';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function loggerParams(config: AppConfig): LoggerParams {
  return {
    pinoHttp: {
      level: config.logLevel,
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // originalUrl: Express rewrites req.url to be relative to where a middleware is mounted.
      autoLogging: { ignore: (req: IncomingMessage & { originalUrl?: string }) => (req.originalUrl ?? req.url ?? '').startsWith('/health') },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: scrubText(req.url) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      // Every line, whoever wrote it: structured fields and message text are scrubbed alike.
      formatters: { log: (object: Record<string, unknown>) => scrubValue(object) as Record<string, unknown> },
      hooks: {
        logMethod(args: unknown[], method: (...a: unknown[]) => void) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? scrubText(a) : a)));
        },
      },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-api-key"]',
          '*.password',
          '*.passkey',
          '*.Password',
          '*.access_token',
          '*.consumerSecret',
          '*.phoneNumber',
          '*.PhoneNumber',
          '*.stkPhoneNumber',
          '*.patientPhone',
        ],
        censor: '[REDACTED]',
      },
    },
  };
}
