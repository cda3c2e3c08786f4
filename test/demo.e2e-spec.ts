// `npm run demo` against a running service: the whole walk succeeds in simulator mode, and the
// script refuses, with a clear message, a service it cannot reach or one outside simulator mode.
import { spawn } from 'node:child_process';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ADMIN_KEY, STAFF_KEY, startTestApp, TestApp } from './support/test-app';

const ROOT = join(__dirname, '..');

function runDemo(baseUrl: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', join(ROOT, 'test/support/ts-register.js'), join(ROOT, 'scripts/demo.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DEMO_BASE_URL: baseUrl, DEMO_STAFF_KEY: STAFF_KEY, DEMO_ADMIN_KEY: ADMIN_KEY, DEMO_TIMEOUT_MS: '30000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk.toString()));
    child.stderr.on('data', (chunk) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run demo', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ role: 'all', env: { SIMULATOR_CALLBACK_DELAY_MS: '500' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('walks a referral from creation to paid, then prints its timeline and the stats', async () => {
    const { code, output } = await runDemo(t.baseUrl);
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('Payment stats') });
    expect(output).toMatch(/referral [0-9a-f-]{36}: pending-admin/);
    expect(output).toContain('status: awaiting-biodata');
    expect(output).toContain('status: pending-payment');
    expect(output).toMatch(/completed, M-Pesa receipt [A-Z0-9]{10}/);
    expect(output).toContain('referral: paid');
    expect(output).toMatch(/status-changed pending → completed \(by callback\)/);
    expect(output).toMatch(/total 1, pending 0, completed 1, failed 0/);
  });

  it('exits non-zero when the service is not reachable', async () => {
    const probe: Server = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve)); // nothing listens there now
    const { code, output } = await runDemo(`http://127.0.0.1:${port}`);
    expect(code).not.toBe(0);
    expect(output).toContain('not reachable');
  });

  it('exits non-zero when the service is not in simulator mode', async () => {
    // Stands in for a sandbox or production service: alive, but with no /simulator.
    const server = createServer((request, response) => {
      response.statusCode = request.url === '/health/live' ? 200 : 404;
      response.setHeader('Content-Type', 'application/json');
      response.end(request.url === '/health/live' ? '{"status":"ok"}' : '{"statusCode":404}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { code, output } = await runDemo(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      expect(code).not.toBe(0);
      expect(output).toContain('not in simulator mode');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
