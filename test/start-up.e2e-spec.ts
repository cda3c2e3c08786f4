// Issues 14 (items 7, 8) and 15 (item 4): what a person sees when the service starts, and when it
// cannot. Real processes (src/main.ts), real Postgres and Redis; Redis away is a private
// redis-server that is started late.
import { spawn } from 'node:child_process';
import { createServer, Server } from 'node:net';
import { join } from 'node:path';
import Redis from 'ioredis';
import { PrivateRedis } from './reliability/private-servers';
import { startApiProcess } from './support/api-process';
import { freePort } from './support/free-port';
import { createTestDatabase, testRedisPrefix } from './support/test-database';
import { TEST_REDIS_URL } from './support/test-env';
import { waitFor } from './support/wait-for';

const ROOT = join(__dirname, '..');

/** Runs src/main.ts to its end; for start-ups that must fail. */
function runToExit(env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(process.execPath, ['-r', join(ROOT, 'test/support/ts-register.js'), join(ROOT, 'src/main.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, API_KEYS: 'admin:test-admin-key,staff:test-staff-key', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (c) => (output += c.toString()));
    child.stderr.on('data', (c) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

const lines = (output: string) => output.split('\n').filter((l) => l.trim() !== '');

describe('Start-up', () => {
  it('prints one JSON line saying where the service is; route mappings stay at debug; / leads to the dashboard', async () => {
    const api = await startApiProcess({ PROCESS_ROLE: 'all' });
    try {
      await waitFor(async () => api.output().includes('"context":"Ready"'), 'the ready line', 30_000);
      const all = lines(api.output());
      // Every line is JSON, the first one included (no coloured Nest text).
      expect(all.filter((l) => !l.startsWith('{'))).toEqual([]);
      const ready = all.map((l) => JSON.parse(l) as { context?: string; msg?: string; level: number }).filter((l) => l.context === 'Ready');
      expect(ready.map((l) => l.msg)).toEqual([
        `Referral payments ready at http://localhost:${api.port} (simulator mode, role all): dashboard http://localhost:${api.port}/dashboard, ` +
          `API docs http://localhost:${api.port}/docs, queues http://localhost:${api.port}/admin/queues (admin key), Daraja simulator http://localhost:${api.port}/simulator`,
      ]);
      expect(all.filter((l) => l.includes('Mapped {'))).toEqual([]);
      const root = await fetch(`${api.baseUrl}/`, { redirect: 'manual' });
      expect([root.status, root.headers.get('location')]).toEqual([302, '/dashboard']);
    } finally {
      api.child.kill('SIGTERM');
      await api.exited;
    }
  });

  it('says which port and variable when PORT is taken, before any work (no schedule reaches Redis)', async () => {
    const port = await freePort();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(port, resolve));
    const prefix = testRedisPrefix();
    try {
      const run = await runToExit({ PORT: String(port), PROCESS_ROLE: 'all', DATABASE_URL: await createTestDatabase(), REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
      expect(run.code).toBe(1);
      expect(lines(run.output)).toEqual([`Start-up failed: Port ${port} (PORT) is already in use: stop the other process or set PORT to a free port`]);
      const redis = new Redis(TEST_REDIS_URL);
      try {
        expect(await redis.keys(`${prefix}*`)).toEqual([]);
      } finally {
        redis.disconnect();
      }
    } finally {
      holder.close();
    }
  });

  it('says DATABASE_URL, password hidden, and exits 1 when Postgres does not answer', async () => {
    const closed = await freePort();
    const run = await runToExit({ PORT: String(await freePort()), DATABASE_URL: `postgres://postgres:s3cret@127.0.0.1:${closed}/referral_payments`, REDIS_URL: TEST_REDIS_URL });
    expect(run.code).toBe(1);
    expect(lines(run.output)).toEqual([
      `Start-up failed: Cannot reach Postgres at DATABASE_URL=postgres://postgres:***@127.0.0.1:${closed}/referral_payments: connect ECONNREFUSED 127.0.0.1:${closed}`,
    ]);
  });

  describe('with Redis away', () => {
    let redis: PrivateRedis;
    beforeAll(async () => {
      redis = await PrivateRedis.create();
      await redis.stop();
    });
    afterAll(() => redis?.destroySync());

    it('listens, answers reads, is not ready, reports Redis once in a while, becomes ready when Redis comes, and stops at once', async () => {
      const api = await startApiProcess({ PROCESS_ROLE: 'all', REDIS_URL: redis.url });
      try {
        const referrals = await fetch(`${api.baseUrl}/api/referrals`, { headers: { 'X-API-Key': 'test-staff-key' } });
        expect(referrals.status).toBe(200);
        expect((await fetch(`${api.baseUrl}/health/ready`)).status).toBe(503);
        await new Promise((resolve) => setTimeout(resolve, 4000));
        const all = lines(api.output());
        expect(all.filter((l) => !l.startsWith('{'))).toEqual([]); // no raw ioredis stack traces
        const reports = all.filter((l) => l.includes('"context":"Redis"'));
        expect(reports.length).toBeGreaterThanOrEqual(1);
        expect(reports.length).toBeLessThanOrEqual(2); // at most one per 10 s
        expect(reports[0]).toContain(`Redis at REDIS_URL=${redis.url} is unreachable (connect ECONNREFUSED`);

        await redis.start();
        await waitFor(async () => (await fetch(`${api.baseUrl}/health/ready`)).status === 200, 'readiness once Redis is back', 30_000);
        expect(api.output()).toContain('is reachable again');
        await redis.stop();
      } finally {
        const stopping = Date.now();
        api.child.kill('SIGTERM');
        const code = await api.exited;
        expect({ code, fast: Date.now() - stopping < 10_000 }).toEqual({ code: 0, fast: true });
      }
    });

    it('stops at once, with 0, on SIGTERM while Redis is still away', async () => {
      const api = await startApiProcess({ PROCESS_ROLE: 'all', REDIS_URL: redis.url });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const stopping = Date.now();
      api.child.kill('SIGTERM');
      const code = await api.exited;
      expect({ code, ms: Date.now() - stopping < 5000 }).toEqual({ code: 0, ms: true });
    });
  });
});
