// The worker as a real child process, SIGKILLed while webhook deliveries are in flight and started
// again: every committed change still reaches the receiver (at least once, verified), a change
// rolled back in the same run never does, and every delivery ends succeeded.
import { Webhook } from 'standardwebhooks';
import type { ServerResponse } from 'node:http';
import { ReferralsService } from '../src/referrals/referrals.service';
import { api } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { startWebhookReceiver, WebhookReceiver } from './support/webhook-receiver';
import { startWorkerProcess, WorkerProcess } from './support/worker-process';

describe('Webhook delivery across a worker killed with SIGKILL', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let worker: WorkerProcess | undefined;
  const env = { WEBHOOK_FANOUT_INTERVAL_MS: '200', WEBHOOK_RETRY_UNIT_MS: '1' };

  beforeAll(async () => {
    t = await startTestApp({ role: 'api', env });
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await worker?.kill('SIGKILL');
    await receiver.close();
    await t.close();
  });

  it('delivers every committed change at least once, and none rolled back', async () => {
    const http = api(t);
    const held: ServerResponse[] = [];
    let holding = true;
    // Until the kill, the receiver takes requests and never answers: they are in flight when the worker dies.
    receiver.respond((_req, res) => (holding ? held.push(res) : res.writeHead(200).end()));
    const endpoint = (await http.post('/api/webhooks', { url: receiver.url, events: ['referral.status_changed'] }, 'admin')).body;
    worker = await startWorkerProcess(t, env);

    const committed: string[] = [];
    for (let i = 0; i < 6; i++) committed.push((await http.post('/api/referrals', { patientName: `Crash ${i}` }).expect(201)).body.id);
    // One change forced to fail after writing its history row.
    const doomed = committed[0];
    await t.dataSource
      .transaction(async (manager) => {
        await manager.query(`UPDATE referrals SET status = 'cancelled' WHERE id = $1`, [doomed]);
        await t.app.get(ReferralsService).recordChange(manager, doomed, 'pending-admin', 'cancelled', 'api', 'staff', 'doomed');
        throw new Error('forced failure after writing');
      })
      .catch(() => undefined);

    await waitFor(async () => held.length >= 3, 'deliveries in flight');
    await worker.kill('SIGKILL');
    holding = false;
    worker = await startWorkerProcess(t, env);

    const wh = new Webhook(endpoint.secret);
    const heard = () => receiver.received.filter((r) => r.headers['webhook-id']).map((r) => wh.verify(r.body, r.headers as Record<string, string>) as { id: string; data: { id: string; status: string } });
    await waitFor(async () => committed.every((id) => heard().some((e) => e.data.id === id)), 'every committed change delivered', 60_000);
    const deliveries = await waitFor(async () => {
      const rows: { status: string }[] = await t.dataSource.query(`SELECT status FROM webhook_deliveries WHERE endpoint_id = $1`, [endpoint.id]);
      return rows.length === committed.length && rows.every((r) => r.status === 'succeeded') ? rows : null;
    }, 'every delivery to succeed', 60_000);
    expect(deliveries).toHaveLength(6);
    // One event per committed change, each heard at least once (those in flight at the kill twice).
    expect(new Set(heard().map((e) => e.id)).size).toBe(6);
    expect(heard().filter((e) => e.data.id === doomed).every((e) => e.data.status === 'pending-admin')).toBe(true);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM webhook_events`);
    expect(n).toBe(6);
    console.log(`webhook crash run: ${receiver.received.length} requests for 6 events, ${held.length} in flight at the kill`);
  });
});
