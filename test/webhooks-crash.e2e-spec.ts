// The worker as a real child process, SIGKILLed while webhook deliveries are in flight and started
// again: every committed change still reaches the receiver (at least once, verified), a change
// rolled back in the same run never does, and every delivery ends succeeded. Then Redis restarted
// while deliveries are pending, once losing its data and once keeping it: a private redis-server
// (the shared one on 6379 serves other test runs), API and worker both on it.
import { Webhook } from 'standardwebhooks';
import type { ServerResponse } from 'node:http';
import Redis from 'ioredis';
import { ReferralsService } from '../src/referrals/referrals.service';
import { PrivateRedis } from './reliability/private-servers';
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

describe.each([
  { mode: 'losing its data', persistent: false },
  { mode: 'keeping its data', persistent: true },
])('Webhook delivery across a Redis restart $mode', ({ persistent }) => {
  let redis: PrivateRedis;
  let t: TestApp;
  let receiver: WebhookReceiver;
  let worker: WorkerProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await PrivateRedis.create({ persistent });
    // A delivery 4 s overdue is taken to have lost its job; the sweep looks every second.
    env = { REDIS_URL: redis.url, WEBHOOK_FANOUT_INTERVAL_MS: '200', WEBHOOK_RETRY_UNIT_MS: '1', WEBHOOK_REPUBLISH_AFTER_S: '4' };
    t = await startTestApp({ role: 'api', env });
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await worker?.kill('SIGKILL');
    await receiver.close();
    await t.close();
    await redis.stop();
    redis.destroySync();
  });

  it('delivers every committed change at least once, none lost, duplicates with the same webhook-id', async () => {
    const http = api(t);
    const held: ServerResponse[] = [];
    const acknowledged = new Set<string>(); // webhook-ids answered 2xx
    let holding = true;
    receiver.respond((req, res) => {
      if (holding) return void held.push(res);
      acknowledged.add(String(req.headers['webhook-id']));
      res.writeHead(200).end();
    });
    const endpoint = (await http.post('/api/webhooks', { url: receiver.url, events: ['referral.status_changed'] }, 'admin')).body;
    worker = await startWorkerProcess(t, env);

    // Two fan-out rounds: the first round's batch holds the endpoint's five slots (its requests
    // unanswered), the second's waits in Redis for a slot.
    const committed: string[] = [];
    for (let i = 0; i < 6; i++) committed.push((await http.post('/api/referrals', { patientName: `Redis A${i}` }).expect(201)).body.id);
    await waitFor(async () => held.length >= 5, 'five deliveries in flight');
    for (let i = 0; i < 6; i++) committed.push((await http.post('/api/referrals', { patientName: `Redis B${i}` }).expect(201)).body.id);
    const deliveriesMade = async () => ((await t.dataSource.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1`, [endpoint.id])) as { n: number }[])[0].n;
    await waitFor(async () => (await deliveriesMade()) === 12, 'twelve deliveries written');

    const raw = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    await raw.connect();
    // The batch jobs' hashes (not their :lock or :logs keys).
    const batchKeys = async () => (await raw.keys(`${t.redisPrefix}:webhook-delivery:webhook-batch-*`)).filter((key) => /:webhook-batch-[0-9a-f-]{36}$/.test(key));
    const before = await waitFor(async () => {
      const keys = await batchKeys();
      return keys.length >= 2 ? keys : null;
    }, 'both rounds published to Redis');
    const [{ untried }] = (await t.dataSource.query(
      `SELECT count(*)::int AS untried FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'pending' AND attempts = '[]'::jsonb`,
      [endpoint.id],
    )) as { untried: number }[];
    expect(untried).toBeGreaterThanOrEqual(6); // pending when Redis goes: the second round's and the sixth of the first
    raw.disconnect();

    await redis.stop();
    // While Redis is away: the receiver answers again, and the requests in flight fail (their
    // retries cannot be queued now).
    holding = false;
    for (const res of held) res.socket?.destroy();
    await new Promise((r) => setTimeout(r, 1500));
    await redis.start();

    const wh = new Webhook(endpoint.secret);
    const heard = () => receiver.received.map((r) => ({ webhookId: String(r.headers['webhook-id']), event: wh.verify(r.body, r.headers as Record<string, string>) as { id: string; data: { id: string } } }));
    await waitFor(
      async () => committed.every((id) => heard().some((h) => h.event.data.id === id && acknowledged.has(h.webhookId))),
      'every committed change answered 2xx',
      90_000,
    );
    const deliveries = await waitFor(async () => {
      const rows: { status: string; attempts: unknown[] }[] = await t.dataSource.query(`SELECT status, attempts FROM webhook_deliveries WHERE endpoint_id = $1`, [endpoint.id]);
      return rows.length === 12 && rows.every((r) => r.status === 'succeeded') ? rows : null;
    }, 'every delivery to succeed', 60_000);
    // The five cut off mid-request were attempted again.
    expect(deliveries.filter((d) => d.attempts.length >= 2).length).toBeGreaterThanOrEqual(5);

    // One event per change; every request for a change carried that event's id.
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM webhook_events`);
    expect(n).toBe(12);
    for (const id of committed) {
      const ids = new Set(heard().filter((h) => h.event.data.id === id).map((h) => h.webhookId));
      expect({ id, webhookIds: ids.size }).toEqual({ id, webhookIds: 1 });
      expect(heard().find((h) => h.event.data.id === id)!.event.id).toBe([...ids][0]);
    }

    // Redis really lost (or kept) the jobs queued before the restart.
    const after = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      const kept = (await Promise.all(before.map((key) => after.exists(key)))).filter((e) => e === 1).length;
      expect(kept).toBe(persistent ? before.length : 0);
    } finally {
      after.disconnect();
    }
    console.log(`redis restart (${persistent ? 'data kept' : 'data lost'}): ${receiver.received.length} requests for 12 events, ${held.length} cut off`);
  });
});
