import { Writable } from 'node:stream';
import { Controller, Get, Logger as NestLogger, Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { loadAppConfig } from '../config/app-config';
import { loggerParams } from './logging';
import { Logger, LoggerModule } from './pino-logger.module';

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write: (chunk: Buffer, _encoding, done) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

@Controller('probe')
class ProbeController {
  private readonly logger = new NestLogger('Probe');

  @Get()
  probe(): { ok: true } {
    this.logger.log('handling the probe for 0708374149');
    this.logger.error('it broke', 'Error: it broke\n    at somewhere');
    return { ok: true };
  }
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      useFactory: () => {
        const params = loggerParams(loadAppConfig({ LOG_LEVEL: 'debug' }));
        return { pinoHttp: { ...params.pinoHttp, stream: sink } };
      },
    }),
  ],
  controllers: [ProbeController],
})
class ProbeModule {}

describe('LoggerModule (pino for Nest)', () => {
  let app: INestApplication;
  let baseUrl: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ProbeModule] }).compile();
    app = moduleRef.createNestApplication({ bufferLogs: true });
    app.useLogger(app.get(Logger));
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('writes Nest log calls as pino JSON with their context and level', () => {
    new NestLogger('Outside').warn('no request here');
    const line = lines.find((l) => l.msg === 'no request here');
    expect(line).toMatchObject({ level: 40, context: 'Outside' });
    expect(line).not.toHaveProperty('req');
  });

  it('logs the request line and binds the request id to every line written while handling it', async () => {
    const res = await fetch(`${baseUrl}/probe`, { headers: { 'X-Request-Id': 'probe-request-1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('probe-request-1');
    const mine = lines.filter((l) => (l.req as { id?: string } | undefined)?.id === 'probe-request-1');
    expect(mine.map((l) => l.msg)).toEqual(['handling the probe for *******149', 'it broke', 'request completed']);
    expect(mine[0]).toMatchObject({ level: 30, context: 'Probe' });
    expect(mine[1]).toMatchObject({ level: 50, context: 'Probe', err: { stack: 'Error: it broke\n    at somewhere' } });
    expect(mine[2]).toMatchObject({ level: 30, req: { method: 'GET', url: '/probe' }, res: { statusCode: 200 } });
  });

  it('keeps health probes out of the request log', async () => {
    const before = lines.length;
    await fetch(`${baseUrl}/health/live`);
    expect(lines.slice(before)).toEqual([]);
  });
});
