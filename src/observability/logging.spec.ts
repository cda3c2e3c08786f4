import { Writable } from 'node:stream';
import pino from 'pino';
import { loadAppConfig } from '../config/app-config';
import { loggerParams } from './logging';

function captureLogger() {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(chunk.toString()), done()) });
  const options = loggerParams(loadAppConfig({ LOG_LEVEL: 'info' })).pinoHttp as pino.LoggerOptions;
  return { logger: pino(options, sink), lines };
}

describe('service logger', () => {
  it('masks phone numbers in fields and messages, and removes secrets', () => {
    const { logger, lines } = captureLogger();
    logger.info({ phoneNumber: '254708374149', nested: { headers: { 'x-api-key': 'dev-admin-key' } }, Password: 'abc' }, 'push to 0708374149');
    logger.warn({ err: new Error('timeout for +254712345678') }, 'failed');
    const text = lines.join('');
    expect(text).not.toMatch(/708374|712345|dev-admin-key|"abc"/);
    expect(text).toContain('*******149');
    expect(text).toContain('[REDACTED]');
  });

  it('redacts the request line: callback token and phone numbers in the URL', () => {
    const { logger, lines } = captureLogger();
    const req = { id: 'r1', method: 'POST', url: '/api/stk-callback/super-secret-token-123', headers: { authorization: 'Bearer k' } };
    const res = { statusCode: 200 };
    logger.info({ req, res }, 'request completed');
    logger.info({ req: { ...req, url: '/api/payments/by-phone/0712345678' }, res }, 'request completed');
    const [first, second] = lines.map((l) => JSON.parse(l));
    expect(first.req).toEqual({ id: 'r1', method: 'POST', url: '/api/stk-callback/[REDACTED]' });
    expect(first.res).toEqual({ statusCode: 200 });
    expect(second.req.url).toBe('/api/payments/by-phone/*******678');
  });
});
