// Structured JSON logs with a request id on every line; secrets and phone numbers never written.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Masks what must not reach logs in a URL: the callback token and phone numbers. */
export function redactUrl(url: string): string {
  return url
    .replace(/(\/api\/stk-callback\/)[^/?#]+/, '$1[REDACTED]')
    .replace(/\+?\d{6,}(\d{3})(?=\D|$)/g, (match, lastThree: string) => `${'*'.repeat(match.length - 3)}${lastThree}`);
}

export function loggerParams(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req: IncomingMessage) => (req.url ?? '').startsWith('/health') },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
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
