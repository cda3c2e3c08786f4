// Operating the service: metrics, readiness with queues, the worker's own HTTP face, the queue
// dashboard, security headers, rate limits across processes, and graceful shutdown.
import { connect } from 'node:net';
import request from 'supertest';
import { startApiProcess } from './support/api-process';
import { DEV_CALLBACK_PATH, failureCallback } from './support/callbacks';
import { paymentFlow } from './support/payment-flow';
import { freePort, startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { startWorkerProcess } from './support/worker-process';

describe('Operations', () => {
  describe('metrics, readiness and the queue dashboard (API + worker in one process)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ role: 'all', env: { SIMULATOR_CALLBACK_DELAY_MS: '50', RECONCILE_FIRST_QUERY_S: '3600' } });
    });
    afterAll(() => t.close());

    it('exposes Prometheus metrics for payments, Daraja, callbacks and queues without a key', async () => {
      const flow = paymentFlow(t);
      const referralId = await flow.referralInPendingPayment('0712400001');
      await flow.finalPayment((await flow.onlyPayment(referralId)).id);
      const res = await request(t.app.getHttpServer()).get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/plain/);
      const text = res.text;
      expect(text).toMatch(/payment_transitions_total\{from="none",to="pending",source="api"\} [1-9]/);
      expect(text).toMatch(/payment_transitions_total\{from="pending",to="completed",source="callback"\} [1-9]/);
      expect(text).toMatch(/stk_push_duration_seconds_count\{outcome="accepted"\} [1-9]/);
      expect(text).toMatch(/mpesa_callbacks_received_total\{delivery="new"\} [1-9]/);
      expect(text).toMatch(/mpesa_callbacks_processed_total\{state="applied"\} [1-9]/);
      expect(text).toMatch(/bullmq_queue_jobs\{queue="stk-push",state="completed"\} [1-9]/);
      expect(text).toContain('process_cpu_user_seconds_total');
    });

    it('reports readiness of Postgres, Redis and, in a worker process, its queues', async () => {
      const res = await request(t.app.getHttpServer()).get('/health/ready');
      expect(res.status).toBe(200);
      expect(res.body.details).toMatchObject({
        postgres: { status: 'up' },
        redis: { status: 'up' },
        queues: { status: 'up', 'stk-push': 'running', 'payment-sweep': 'running', reconcile: 'running' },
      });
    });

    it('serves the queue dashboard to admin keys only', async () => {
      const server = request(t.app.getHttpServer());
      const none = await server.get('/admin/queues');
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/^Basic/);
      expect((await server.get('/admin/queues').set('X-API-Key', 'test-staff-key')).status).toBe(403);
      const page = await server.get('/admin/queues').set('X-API-Key', 'test-admin-key');
      expect(page.status).toBe(200);
      expect(page.text).toContain('<div id="root">');
      const basic = await server.get('/admin/queues/api/queues').auth('admin', 'test-admin-key');
      expect(basic.status).toBe(200);
      expect(basic.body.queues.map((q: { name: string }) => q.name).sort()).toEqual(['ledger', 'payment-sweep', 'reconcile', 'stk-push', 'webhook-delivery', 'webhook-outbox']);
    });

    it('sends security headers', async () => {
      const res = await request(t.app.getHttpServer()).get('/health/live');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['x-powered-by']).toBeUndefined();
    });
  });

  it('gives a worker process its own health and metrics port', async () => {
    const api = await startTestApp({ role: 'api' });
    const port = await freePort();
    const worker = await startWorkerProcess(api, { WORKER_HTTP_PORT: String(port) });
    try {
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(200);
      const body = (await ready.json()) as { details: Record<string, unknown> };
      expect(body.details.queues).toMatchObject({ status: 'up', 'stk-push': 'running' });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('bullmq_queue_jobs');
      // The API process has no workers: its readiness leaves queues out.
      const apiReady = await request(api.app.getHttpServer()).get('/health/ready');
      expect(apiReady.body.details.queues).toBeUndefined();
    } finally {
      await worker.kill('SIGTERM');
      await api.close();
    }
  });

  describe('rate limits, shared across API processes', () => {
    let first: TestApp;
    let second: TestApp;
    beforeAll(async () => {
      first = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '6' } });
      // A second API process on the same Redis prefix: the limit is one budget, not one per process.
      second = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '6', REDIS_KEY_PREFIX: first.redisPrefix, DATABASE_URL: first.databaseUrl } });
    });
    afterAll(async () => {
      await first.close();
      await second.close();
    });

    it('answers 429 with Retry-After once a key has used its minute, whichever process it asks', async () => {
      const statuses: number[] = [];
      let last: request.Response | undefined;
      for (let i = 0; i < 8; i++) {
        const app = i % 2 === 0 ? first : second;
        last = await request(app.app.getHttpServer()).get('/api/referrals').set('X-API-Key', 'test-staff-key');
        statuses.push(last.status);
      }
      expect(statuses.slice(0, 6)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(statuses.slice(6)).toEqual([429, 429]);
      expect(last!.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
      // Another key has its own budget; callbacks and health checks are never limited.
      expect((await request(first.app.getHttpServer()).get('/api/referrals').set('X-API-Key', 'test-admin-key')).status).toBe(200);
      for (let i = 0; i < 8; i++) {
        const cb = await request(first.app.getHttpServer()).post(DEV_CALLBACK_PATH).send(failureCallback(`ws_CO_rl_${i}`, 1032, 'Request cancelled by user'));
        expect(cb.status).toBe(200);
      }
      expect((await request(first.app.getHttpServer()).get('/health/live')).status).toBe(200);
    });
  });

  it('on SIGTERM finishes the request in flight, refuses new ones, and exits cleanly', async () => {
    const api = await startApiProcess();
    try {
      // A request whose body is still arriving when the signal comes.
      const body = JSON.stringify({ patientName: 'In flight at shutdown' });
      const socket = connect(api.port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.write(
        `POST /api/referrals HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: test-staff-key\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
      );
      await new Promise((r) => setTimeout(r, 200));
      api.child.kill('SIGTERM');
      await waitFor(async () => api.output().includes('SIGTERM received'), 'the API to start shutting down');
      // A new request now is refused: with 503 while the process drains, or at the socket once it stopped listening.
      const refused = await fetch(`${api.baseUrl}/api/referrals`, { headers: { 'X-API-Key': 'test-staff-key' } }).then(
        async (res) => ({ status: res.status, code: ((await res.json()) as { code?: string }).code }),
        (error: { cause?: { code?: string } }) => ({ status: 0, code: error.cause?.code }),
      );
      expect([{ status: 503, code: 'SERVICE_UNAVAILABLE' }, { status: 0, code: 'ECONNREFUSED' }]).toContainEqual(refused);
      socket.write(body.slice(10));
      await waitFor(async () => answer.includes('\r\n\r\n') && answer.includes('}'), 'the in-flight answer');
      expect(answer).toMatch(/^HTTP\/1\.1 201/);
      expect(answer).toContain('In flight at shutdown');
      socket.destroy();
      expect(await api.exited).toBe(0);
    } finally {
      if (api.child.exitCode === null) api.child.kill('SIGKILL');
    }
  });
});
