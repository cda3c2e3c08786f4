// Webhook targets with WEBHOOK_ALLOW_PRIVATE_URLS=false: loopback, private and link-local URLs are
// refused when saved, and refused again at connect time for a URL saved before its name pointed
// somewhere private (DNS rebinding). Only loopback ever gets traffic here, and not even that: the
// test watches every socket this process connects and the receiver, and both stay silent.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { api } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';
import { startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';
import { waitFor } from '../support/wait-for';

describe('Webhook URLs outside the private allowance', () => {
  let t: TestApp;
  let http: ReturnType<typeof api>;
  let receiver: WebhookReceiver;
  const connections: string[] = [];
  const onSocket = (message: unknown) => {
    const socket = (message as { socket: Socket }).socket;
    socket.once('connect', () => connections.push(`${socket.remoteAddress}:${socket.remotePort}`));
  };

  beforeAll(async () => {
    t = await startTestApp({ role: 'all', env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'false', WEBHOOK_FANOUT_INTERVAL_MS: '200', WEBHOOK_RETRY_UNIT_MS: '1' } });
    http = api(t);
    receiver = await startWebhookReceiver();
    subscribe('net.client.socket', onSocket);
  });
  afterAll(async () => {
    unsubscribe('net.client.socket', onSocket);
    await receiver.close();
    await t.close();
  });

  const privateUrls = () => [
    `http://127.0.0.1:${receiver.port}/hooks`,
    'http://10.0.0.1/hooks',
    'http://169.254.169.254/latest/meta-data/',
    `http://localhost:${receiver.port}/hooks`,
    `http://[::1]:${receiver.port}/hooks`,
    `http://[::ffff:127.0.0.1]:${receiver.port}/hooks`,
    'http://192.168.1.10/hooks',
    'http://100.64.0.1/hooks',
  ];

  it('refuses to save a loopback, private or link-local URL, or a name resolving to one', async () => {
    for (const url of privateUrls()) {
      const res = await http.post('/api/webhooks', { url, events: ['referral.status_changed'] }, 'admin');
      expect({ url, status: res.status, code: res.body.code }).toEqual({ url, status: 400, code: 'WEBHOOK_URL_REFUSED' });
      expect(res.body.fields).toEqual([{ field: 'url', messages: [expect.stringMatching(/loopback, private or link-local/)] }]);
    }
    const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM webhook_endpoints');
    expect(n).toBe(0);
  });

  it('refuses a private URL on update too', async () => {
    // Saved as it would have been while its name pointed at a public address.
    const [row] = await t.dataSource.query(`INSERT INTO webhook_endpoints (url, events, secret) VALUES ('https://hooks.example.com/x', '{referral.paid}', 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ=') RETURNING id`);
    const res = await http.patch(`/api/webhooks/${row.id}`, { url: 'http://10.0.0.1/hooks' }, 'admin');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('WEBHOOK_URL_REFUSED');
    expect((await http.get(`/api/webhooks/${row.id}`, 'admin')).body.url).toBe('https://hooks.example.com/x');
    await t.dataSource.query('DELETE FROM webhook_endpoints');
  });

  it('refuses at delivery time, before connecting, whatever the saved URL', async () => {
    const urls = privateUrls();
    for (const url of urls) {
      await t.dataSource.query(`INSERT INTO webhook_endpoints (url, events, secret) VALUES ($1, '{referral.status_changed}', 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ=')`, [url]);
    }
    connections.length = 0;
    await http.post('/api/referrals', { patientName: 'SSRF Patient' }).expect(201);

    const deliveries = await waitFor(async () => {
      const rows: { url: string; attempts: { httpStatus: number | null; error: string }[] }[] = await t.dataSource.query(
        `SELECT e.url, d.attempts FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id`,
      );
      return rows.length === urls.length && rows.every((r) => r.attempts.length >= 2) ? rows : null;
    }, 'two refused attempts per endpoint');
    for (const d of deliveries) {
      for (const attempt of d.attempts) expect({ url: d.url, ...attempt }).toMatchObject({ url: d.url, httpStatus: null, error: expect.stringMatching(/^refused: .*loopback, private or link-local/) });
    }
    expect(receiver.received).toHaveLength(0);
    // No socket of this process connected to the receiver or to any private target.
    expect(connections.length).toBeGreaterThan(0); // the watch works: the app's own Postgres and Redis traffic shows
    expect(connections.filter((c) => c.endsWith(`:${receiver.port}`) || /^(::ffff:)?(10\.|169\.254\.|192\.168\.|100\.64\.)/.test(c))).toEqual([]);

    const metrics = (await http.raw.get('/metrics')).text;
    expect(metrics).toMatch(/webhook_deliveries_total\{outcome="refused"\} [1-9]/);
  });
});
