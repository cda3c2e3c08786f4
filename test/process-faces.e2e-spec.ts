// Issue 12: each process serves only its own face. The routes each role's root registers are
// compared with the exact lists below, so a controller added to the wrong module fails here; and a
// real worker process's HTTP port answers 404 to everything but health and metrics, storing nothing.
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { rootModuleFor } from '../src/app/app.module';
import { loadAppConfig } from '../src/config/app-config';
import { PaymentJobHandlers } from '../src/workers/payments/payment-job.handlers';
import { createTestDatabase, testRedisPrefix } from './support/test-database';
import { TEST_REDIS_URL } from './support/test-env';
import { DEV_CALLBACK_PATH, successCallback } from './support/callbacks';
import { jsonRequest, rawRequest } from './support/raw-http';
import { PLANNED_ROUTES, ROUTES } from './support/route-catalogue';
import { changedTables, stateFingerprint } from './support/state-fingerprint';
import { ADMIN_KEY, freePort, startTestApp, TestApp } from './support/test-app';
import { startWorkerProcess, WorkerProcess } from './support/worker-process';

/** `METHOD /path` of every route the Express router holds, `ALL /path` for catch-alls, sorted. */
function registeredRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } };
  const routes = new Set<string>();
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    const methods = Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m]);
    // Express's all() registers every method it knows: name it once.
    if (methods.length > 20) routes.add(`ALL ${layer.route.path}`);
    else for (const method of methods) routes.add(`${method.toUpperCase()} ${layer.route.path}`);
  }
  return [...routes].sort();
}

/**
 * Every process with HTTP: health and metrics. Nest's not-found handler is middleware (`use`) in the
 * @nestjs/platform-express the lockfile installs (12.5.1), not a route: the router lists no catch-all.
 */
const OPERATIONS = ['GET /health/live', 'GET /health/ready', 'GET /metrics'];

const API_FACE = [
  ...OPERATIONS,
  'POST /api/referrals',
  'GET /api/referrals',
  'GET /api/referrals/:id',
  'PATCH /api/referrals/:id/status',
  'POST /api/referrals/:id/payments',
  'POST /api/referrals/:id/payments/retry',
  'GET /api/referrals/:id/payments',
  'POST /api/mpesa/stk-push',
  'GET /api/payments',
  'GET /api/payments/pending',
  'GET /api/payments/stats',
  'GET /api/payments/stats/series',
  'GET /api/payments/by-phone/:phoneNumber',
  'GET /api/payments/:id',
  'POST /api/payments/:id/retry',
  'POST /api/update-payment-status',
  'GET /api/payments/events',
  'GET /api/receipts',
  'GET /api/receipts/:receipt',
  'POST /api/receipts/:receipt/resolve',
  'POST /api/receipts/:receipt/verify',
  'POST /api/receipts/:receipt/refund',
  'POST /api/stk-callback/:token',
  'POST /api/mpesa/results/:token/:kind',
  'GET /',
  'POST /api/webhooks',
  'GET /api/webhooks',
  'GET /api/webhooks/:id',
  'PATCH /api/webhooks/:id',
  'DELETE /api/webhooks/:id',
  'POST /api/webhooks/:id/rotate-secret',
  'GET /api/webhooks/:id/deliveries',
  'POST /api/webhooks/deliveries/:id/redeliver',
  'POST /api/reconciliation/statements',
  'GET /api/reconciliation/reports',
  'GET /api/reconciliation/reports/:id',
  'GET /dashboard',
  'GET /favicon.ico',
  'GET /docs',
  'GET /docs-json',
  'GET /docs/',
  'GET /docs/LICENSE',
  'GET /docs/docs/swagger-ui-init.js',
  'GET /docs/index.html',
  'GET /docs/swagger-ui-init.js',
  // Simulator mode (the tests' default) mounts the Daraja simulator.
  'GET /simulator/oauth/v1/generate',
  'POST /simulator/mpesa/stkpush/v1/processrequest',
  'POST /simulator/mpesa/stkpushquery/v1/query',
  'POST /simulator/mpesa/transactionstatus/v1/query',
  'POST /simulator/mpesa/reversal/v1/request',
  'POST /simulator/pulltransactions/v1/register',
  'POST /simulator/pulltransactions/v1/query',
  'GET /simulator/certificate.cer',
  'GET /simulator/statement.xlsx',
  'GET /simulator/statement.csv',
  'GET /simulator/ledger',
  'POST /simulator/ledger/payments',
  'GET /simulator/scenarios',
  'GET /simulator/transactions',
  'POST /simulator/reset',
  'POST /simulator/settings',
  'POST /simulator/tokens/expire',
  'ALL /simulator/*path',
].sort();

const EXPECTED: Record<'api' | 'all' | 'worker', string[]> = {
  api: API_FACE,
  all: API_FACE,
  worker: [...OPERATIONS].sort(),
};

describe('What each process role serves', () => {
  it.each(['api', 'all', 'worker'] as const)('role %s registers exactly its own routes', async (role) => {
    const t = await startTestApp({ role });
    try {
      expect(registeredRoutes(t.app)).toEqual(EXPECTED[role]);
    } finally {
      await t.close();
    }
  });

  it('outside simulator mode the API registers no simulator route', async () => {
    const t = await startTestApp({
      role: 'api',
      env: { MPESA_ENV: 'sandbox', MPESA_BASE_URL: 'http://127.0.0.1:9/daraja', MPESA_CONSUMER_KEY: 'k', MPESA_CONSUMER_SECRET: 's', MPESA_CALLBACK_TOKEN: 'a-sandbox-callback-token', MPESA_PASSKEY: 'a-sandbox-passkey' },
    });
    try {
      expect(registeredRoutes(t.app)).toEqual(API_FACE.filter((r) => !r.includes('/simulator')));
    } finally {
      await t.close();
    }
  });
});

describe("A worker process's HTTP port (WORKER_HTTP_PORT)", () => {
  let api: TestApp;
  let worker: WorkerProcess;
  let port: number;
  const send = (method: string, path: string, body?: unknown, key?: string) => rawRequest(`http://127.0.0.1:${port}`, jsonRequest(method, path, body, key));

  beforeAll(async () => {
    api = await startTestApp({ role: 'api' });
    port = await freePort();
    worker = await startWorkerProcess(api, { WORKER_HTTP_PORT: String(port) });
  });
  afterAll(async () => {
    await worker?.kill();
    await api?.close();
  });

  it('answers health and metrics', async () => {
    expect((await send('GET', '/health/live')).status).toBe(200);
    expect((await send('GET', '/health/ready')).status).toBe(200);
    const metrics = await send('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('process_cpu_user_seconds_total');
  });

  it('answers 404 to every contract route, with or without a key, and to the operator pages', async () => {
    const paths = [...ROUTES.filter((r) => r.kind === 'api'), ...PLANNED_ROUTES].map((r) => ({ method: r.method, path: r.path.replace(/:(\w+)/g, 'sample-$1') }));
    const pages = ['/docs', '/docs-json', '/dashboard', '/admin/queues', '/simulator/scenarios', '/'].map((path) => ({ method: 'GET', path }));
    const answers: string[] = [];
    for (const { method, path } of [...paths, ...pages]) {
      for (const key of [undefined, ADMIN_KEY]) {
        const res = await send(method, path, method === 'GET' || method === 'DELETE' ? undefined : {}, key);
        answers.push(`${method} ${path} ${key ? 'admin' : 'no key'} ${res.status}`);
      }
    }
    expect(answers.filter((a) => !a.endsWith(' 404'))).toEqual([]);
  });

  it('answers 404 to a callback with a wrong token, or the right one, and stores nothing', async () => {
    const before = await stateFingerprint(api.dataSource);
    for (const path of ['/api/stk-callback/not-the-token', DEV_CALLBACK_PATH]) {
      const res = await send('POST', path, successCallback('ws_CO_worker_port_1', 1000, '254712000001', 'WKR0000001'));
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    expect(changedTables(before, await stateFingerprint(api.dataSource))).toEqual([]);
  });
});

describe('The worker start-up check (every catalogue job has exactly one handler)', () => {
  it('refuses to start a worker whose handlers are missing, naming each job', async () => {
    const env = {
      DATABASE_URL: await createTestDatabase(),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: testRedisPrefix(),
      PROCESS_ROLE: 'worker',
      LOG_LEVEL: 'silent',
    };
    const moduleRef = await Test.createTestingModule({ imports: [rootModuleFor(loadAppConfig(env))] })
      .overrideProvider(PaymentJobHandlers)
      .useValue({})
      .compile();
    await expect(moduleRef.init()).rejects.toThrow(
      'The worker cannot start: job "send-stk-push" (queue "stk-push") has no @JobHandler; job "reconcile-sweep" (queue "reconcile") has no @JobHandler; job "payment-sweep" (queue "payment-sweep") has no @JobHandler; job "payment-stats-roll-up" (queue "payment-sweep") has no @JobHandler',
    );
    await moduleRef.close().catch(() => undefined);
  });
});
