// Boots the real API (optionally with the worker) against this file's own database and Redis
// prefix, configured exactly as main.ts configures it.
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import { getDataSourceToken } from '@nestjs/typeorm';
import { rootModuleFor } from '../../src/app/app.module';
import { configureHttpApp, configureWorkerHttpApp, HTTP_APP_OPTIONS } from '../../src/app/http-app';
import { loadAppConfig } from '../../src/config/app-config';
import { freePort } from './free-port';
import { createTestDatabase, testRedisPrefix } from './test-database';
import { TEST_REDIS_URL } from './test-env';

export const ADMIN_KEY = 'test-admin-key';
export const STAFF_KEY = 'test-staff-key';

export interface TestApp {
  app: INestApplication;
  dataSource: DataSource;
  databaseUrl: string;
  redisPrefix: string;
  baseUrl: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** `worker`: the worker's own HTTP face (what WORKER_HTTP_PORT serves), on this app's port. */
  role?: 'api' | 'all' | 'worker';
  env?: Record<string, string>;
}

/** A port nobody listens on now, so config defaults that derive from PORT point at this app. */
export { freePort };

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const databaseUrl = await createTestDatabase();
  const redisPrefix = testRedisPrefix();
  const port = await freePort();
  // The test's own configuration, loaded exactly as main.ts loads the process's, from an
  // environment of its own: process.env is left alone.
  const config = loadAppConfig({
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: redisPrefix,
    API_KEYS: `admin:${ADMIN_KEY},staff:${STAFF_KEY}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PROCESS_ROLE: options.role ?? 'api',
    // Tests poll; rate limits are tested where a test sets its own.
    RATE_LIMIT_PER_MINUTE: '0',
    ...options.env,
  });
  // The root module and HTTP settings main.ts would give this role (src/app/bootstrap.ts).
  const moduleRef = await Test.createTestingModule({ imports: [rootModuleFor(config)] }).compile();
  const app = moduleRef.createNestApplication(config.processRole === 'worker' ? { bufferLogs: true } : HTTP_APP_OPTIONS);
  if (config.processRole === 'worker') configureWorkerHttpApp(app);
  else configureHttpApp(app);
  await app.listen(port, '127.0.0.1');
  return {
    app,
    dataSource: app.get<DataSource>(getDataSourceToken()),
    databaseUrl,
    redisPrefix,
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => app.close(),
  };
}
