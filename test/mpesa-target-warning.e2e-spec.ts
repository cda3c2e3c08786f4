// A sandbox process pointed at a simulator path on this machine with an http callback URL still
// starts (integrators do this with local Daraja test servers) and says so in one warning.
import { startApiProcess } from './support/api-process';
import { freePort } from './support/free-port';

describe('start-up warning for a sandbox or production set-up that cannot reach Safaricom', () => {
  it('runs, and logs one warning naming the base URL and the callback URL', async () => {
    const darajaPort = await freePort();
    const api = await startApiProcess({
      PROCESS_ROLE: 'all',
      MPESA_ENV: 'sandbox',
      MPESA_BASE_URL: `http://127.0.0.1:${darajaPort}/simulator`,
      MPESA_CALLBACK_BASE_URL: 'http://api:3000',
      MPESA_CALLBACK_TOKEN: 'a-long-random-callback-token',
      MPESA_CONSUMER_KEY: 'ck',
      MPESA_CONSUMER_SECRET: 'cs',
      MPESA_PASSKEY: 'pk',
      WORKER_HTTP_PORT: '0',
    });
    try {
      expect((await fetch(`${api.baseUrl}/health/live`)).status).toBe(200);
      const warnings = api
        .output()
        .split('\n')
        .filter((line) => line.includes('MPESA_ENV is sandbox, but'));
      expect(warnings).toHaveLength(1);
      const entry = JSON.parse(warnings[0]) as { level: number; msg: string };
      expect(entry.level).toBe(40); // pino's warn
      expect(entry.msg).toContain(`MPESA_BASE_URL http://127.0.0.1:${darajaPort}/simulator is the built-in simulator's /simulator path and a loopback address`);
      expect(entry.msg).toContain('MPESA_CALLBACK_BASE_URL http://api:3000 is not https');
    } finally {
      api.child.kill('SIGTERM');
      await api.exited;
    }
  });
});
