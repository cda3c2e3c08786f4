// The webhook outbox's promises: nothing for a rolled-back change, nothing lost when transactions
// commit out of order, deliveries a crash or Redis left without a job published again, and an
// endpoint failing for 5 days disabled. Real API + worker, Postgres, Redis, a real receiver.
import { Webhook } from 'standardwebhooks';
import type { QueryRunner } from 'typeorm';
import { ReferralsService } from '../src/referrals/referrals.service';
import { HOLD_AT_MOST_MS } from '../src/webhooks/delivery-pacer';
import { WebhookOutbox } from '../src/webhooks/webhook-outbox.service';
import { api } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import { startWebhookReceiver, WebhookReceiver } from './support/webhook-receiver';
import { waitFor } from './support/wait-for';

interface EventBody {
  id: string;
  type: string;
  data: { id: string; patientName?: string; status?: string; disabledReason?: string };
}

describe('Webhook outbox', () => {
  let t: TestApp;
  let http: ReturnType<typeof api>;
  let receiver: WebhookReceiver;
  let secret: string;

  beforeAll(async () => {
    t = await startTestApp({ role: 'all', env: { WEBHOOK_FANOUT_INTERVAL_MS: '200', WEBHOOK_RETRY_UNIT_MS: '1', RECONCILE_FIRST_QUERY_S: '3600' } });
    http = api(t);
  });
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    const res = await http.post('/api/webhooks', { url: receiver.url, events: ['referral.status_changed'] }, 'admin');
    expect(res.status).toBe(201);
    secret = res.body.secret;
  });
  afterEach(async () => {
    await receiver.close();
    await t.dataSource.query('DELETE FROM webhook_endpoints');
  });
  afterAll(() => t.close());

  const events = () => receiver.received.map((r) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as EventBody);
  const referralIdsHeard = () => events().map((e) => e.data.id);

  async function createReferral(patientName: string): Promise<string> {
    const res = await http.post('/api/referrals', { patientName });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  /** A transition written the way the service writes one, in a transaction the test holds open. */
  async function openTransition(referralId: string): Promise<QueryRunner> {
    const runner = t.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await runner.query(`UPDATE referrals SET status = 'cancelled', updated_at = now() WHERE id = $1`, [referralId]);
    await t.app.get(ReferralsService).recordChange(runner.manager, referralId, 'pending-admin', 'cancelled', 'api', 'staff', 'held open by the test');
    return runner;
  }

  it('sends nothing for a change whose transaction rolled back after writing its history row', async () => {
    const doomed = await createReferral('Doomed Patient');
    await waitFor(async () => referralIdsHeard().includes(doomed), "the doomed referral's creation");

    const runner = await openTransition(doomed);
    // The fan-out runs several rounds while the row exists uncommitted.
    await new Promise((r) => setTimeout(r, 800));
    await runner.rollbackTransaction();
    await runner.release();

    const marker = await createReferral('Marker Patient');
    await waitFor(async () => referralIdsHeard().includes(marker), "the marker's creation");
    await new Promise((r) => setTimeout(r, 500));
    // The doomed referral: only its creation, never the rolled-back cancellation.
    expect(events().filter((e) => e.data.id === doomed)).toHaveLength(1);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM referral_status_changes WHERE referral_id = $1`, [doomed]);
    expect(n).toBe(1);
  });

  it('loses no change committed after a later one (no high-water mark)', async () => {
    const early = await createReferral('Early Patient');
    const late = await createReferral('Late Patient');
    await waitFor(async () => referralIdsHeard().includes(early) && referralIdsHeard().includes(late), 'both creations');

    // The early transaction writes first but commits last.
    const runner = await openTransition(early);
    await http.patch(`/api/referrals/${late}/status`, { status: 'cancelled' }).expect(200);
    await waitFor(async () => events().filter((e) => e.data.id === late).length === 2, "the late referral's change");
    await runner.commitTransaction();
    await runner.release();

    await waitFor(async () => events().filter((e) => e.data.id === early).length === 2, "the early referral's change, committed last");
    expect(events().find((e) => e.data.id === early && e.data.status === 'cancelled')).toBeDefined();
  });

  it('holds deliveries back while the payment path is busy, never for longer than HOLD_AT_MOST_MS', async () => {
    const payingId = await createReferral('Paying Patient');
    const referralId = await createReferral('Busy Patient');
    await waitFor(async () => referralIdsHeard().includes(referralId), "the busy referral's creation");
    const [{ id: paymentId }] = (await t.dataSource.query(`INSERT INTO payments (referral_id, phone_number, amount) VALUES ($1, '254712130077', 10) RETURNING id`, [
      payingId,
    ])) as { id: string }[];
    // The payment path busy: its history grows by about 1,000 rows a second (status queries, which
    // make no event), in small steps so that every 200 ms between two samples sees some of it even
    // on a loaded machine (100 rows every 100 ms left windows with none, and the hold lapsed).
    let busy = true;
    const load = (async () => {
      while (busy) {
        await t.dataSource.query(`INSERT INTO payment_events (payment_id, type, source) SELECT $1, 'status-queried', 'worker' FROM generate_series(1, 20)`, [paymentId]);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const heardStatuses = () => events().filter((e) => e.data.id === referralId).map((e) => e.data.status);
    try {
      await new Promise((r) => setTimeout(r, 600)); // two fan-out samples see the load
      await http.patch(`/api/referrals/${referralId}/status`, { status: 'cancelled' }).expect(200);
      // Fanned out every 200 ms otherwise: held back while the load lasts.
      await new Promise((r) => setTimeout(r, 2000));
      expect(heardStatuses()).toEqual(['pending-admin']);

      // A change that has waited HOLD_AT_MOST_MS goes, busy or not.
      await t.dataSource.query(`UPDATE referral_status_changes SET at = at - make_interval(secs => $2) WHERE referral_id = $1 AND webhook_fanned_out_at IS NULL`, [
        referralId,
        HOLD_AT_MOST_MS / 1000 + 1,
      ]);
      await waitFor(async () => heardStatuses().includes('cancelled'), 'the change held back for HOLD_AT_MOST_MS', 10_000);
    } finally {
      busy = false;
      await load;
    }
  });

  it('publishes a delivery that a crash or Redis outage left without a job', async () => {
    const [endpoint] = await t.dataSource.query(`SELECT id FROM webhook_endpoints`);
    const [event] = await t.dataSource.query(
      `INSERT INTO webhook_events (type, source_kind, source_id, payload, created_at)
       VALUES ('referral.status_changed', 'referral_change', gen_random_uuid()::text, '{}', now()) RETURNING id`,
    );
    const body = JSON.stringify({ id: event.id, type: 'referral.status_changed', createdAt: new Date().toISOString(), data: { id: 'orphan' } });
    await t.dataSource.query(`UPDATE webhook_events SET payload = $2::json WHERE id = $1`, [event.id, body]);
    // Committed a minute ago, never published: what a worker killed between commit and publish leaves.
    const [delivery] = await t.dataSource.query(
      `INSERT INTO webhook_deliveries (endpoint_id, event_id, next_attempt_at, created_at) VALUES ($1, $2, now() - interval '1 minute', now() - interval '1 minute') RETURNING id`,
      [endpoint.id, event.id],
    );

    expect(await t.app.get(WebhookOutbox).sweep()).toEqual({ republished: 1 });
    await waitFor(async () => events().some((e) => e.id === event.id), 'the swept delivery');
    expect(receiver.received.find((r) => r.headers['webhook-id'] === event.id)!.body).toBe(body);
    const [row] = await t.dataSource.query(`SELECT status, published_at FROM webhook_deliveries WHERE id = $1`, [delivery.id]);
    expect(row.published_at).not.toBeNull();
    await waitFor(async () => (await t.dataSource.query(`SELECT status FROM webhook_deliveries WHERE id = $1`, [delivery.id]))[0].status === 'succeeded', 'succeeded');
    // Swept again: nothing left to publish.
    expect(await t.app.get(WebhookOutbox).sweep()).toEqual({ republished: 0 });
  });

  it('disables an endpoint after 5 days of failures, as an event to the other endpoints', async () => {
    const failing = await startWebhookReceiver();
    try {
      failing.respond((_req, res) => res.writeHead(503).end());
      const watcher = await http.post('/api/webhooks', { url: receiver.url, events: ['webhook_endpoint.disabled'] }, 'admin');
      const dying = (await http.post('/api/webhooks', { url: failing.url, events: ['referral.status_changed'] }, 'admin')).body;
      // Every delivery to it has failed since 5 days and a minute ago.
      await t.dataSource.query(`UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 minute' WHERE id = $1`, [dying.id]);

      await createReferral('Disable Patient');
      const disabled = await waitFor(async () => {
        const res = await http.get(`/api/webhooks/${dying.id}`, 'admin');
        return res.body.status === 'disabled' ? res.body : null;
      }, 'the endpoint to be disabled');
      expect(disabled.disabledReason).toMatch(/^every delivery failed for 5 days \(since /);

      const told = await waitFor(async () => {
        // The receiver also hears the first endpoint (same URL, its own secret): the watcher's verify.
        const wh = new Webhook(watcher.body.secret);
        const mine = receiver.received.filter((r) => {
          try {
            wh.verify(r.body, r.headers as Record<string, string>);
            return true;
          } catch {
            return false;
          }
        });
        return mine.map((r) => JSON.parse(r.body) as EventBody).find((e) => e.type === 'webhook_endpoint.disabled');
      }, 'the disabled event');
      expect(told.data).toMatchObject({ id: dying.id, status: 'disabled' });
      expect(told.data).not.toHaveProperty('secret');

      // Nothing more is sent to it, and enabling it again clears the reason.
      const before = failing.received.length;
      await createReferral('After Disable');
      await new Promise((r) => setTimeout(r, 800));
      expect(failing.received.length).toBe(before);
      const enabled = await http.patch(`/api/webhooks/${dying.id}`, { status: 'enabled' }, 'admin');
      expect(enabled.body).toMatchObject({ status: 'enabled', disabledReason: null });
    } finally {
      await failing.close();
    }
  });
});
