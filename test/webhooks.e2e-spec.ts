// Outbound webhooks end to end: real API and worker in one process, Postgres, Redis, the Daraja
// simulator, and a real receiver over HTTP verifying with the standardwebhooks library.
import { Webhook } from 'standardwebhooks';
import { WebhookClock } from '../src/webhooks/webhook-signer';
import { paymentFlow } from './support/payment-flow';
import { paidInRows, statementCsv } from './support/statement-file';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';
import { startWebhookReceiver, WebhookReceiver } from './support/webhook-receiver';
import { waitFor } from './support/wait-for';

const ALL_EVENTS = ['payment.created', 'payment.push_accepted', 'payment.completed', 'payment.failed', 'payment.corrected', 'referral.status_changed', 'referral.paid'];

interface EventBody {
  id: string;
  type: string;
  createdAt: string;
  data: { id: string; referralId?: string; status: string };
}

describe('Outbound webhooks', () => {
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await startTestApp({
      role: 'all',
      env: {
        SIMULATOR_CALLBACK_DELAY_MS: '100',
        RECONCILE_FIRST_QUERY_S: '3600',
        WEBHOOK_FANOUT_INTERVAL_MS: '200',
        // 1 ms per second of the schedule: 5 ms, 300 ms, 1.8 s, … instead of 5 s, 5 min, 30 min.
        WEBHOOK_RETRY_UNIT_MS: '1',
      },
    });
    flow = paymentFlow(t);
  });
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await receiver.close();
    // Each test's endpoints go, so the next test's receiver hears only its own.
    await t.dataSource.query('DELETE FROM webhook_endpoints');
  });
  afterAll(() => t.close());

  async function createEndpoint(events = ALL_EVENTS, url = receiver.url) {
    const res = await flow.http.post('/api/webhooks', { url, events, description: 'test receiver' }, 'admin');
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string; url: string; events: string[]; status: string };
  }

  function verified(secret: string) {
    const wh = new Webhook(secret);
    return receiver.received.map((r) => wh.verify(r.body, r.headers as Record<string, string>) as EventBody);
  }

  it('manages endpoints: create (secret once), list, read, update, disable, delete', async () => {
    const created = await createEndpoint(['payment.completed']);
    expect(created).toMatchObject({ url: receiver.url, events: ['payment.completed'], description: 'test receiver', status: 'enabled', disabledReason: null });
    const listed = (await flow.http.get('/api/webhooks', 'admin')).body;
    expect(listed.items.map((e: { id: string }) => e.id)).toContain(created.id);
    expect(listed.items.every((e: object) => !('secret' in e))).toBe(true);

    const updated = await flow.http.patch(`/api/webhooks/${created.id}`, { events: ['payment.failed', 'referral.paid'], description: null }, 'admin');
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ events: ['payment.failed', 'referral.paid'], description: null, status: 'enabled' });
    expect(updated.body).not.toHaveProperty('secret');
    const disabled = await flow.http.patch(`/api/webhooks/${created.id}`, { status: 'disabled' }, 'admin');
    expect(disabled.body).toMatchObject({ status: 'disabled', disabledReason: 'disabled by an admin' });

    for (const body of [{ events: ['payment.exploded'] }, { events: [] }, { url: 'ftp://127.0.0.1/x' }, { status: 'paused' }, { secret: 'whsec_mine' }]) {
      const res = await flow.http.patch(`/api/webhooks/${created.id}`, body, 'admin');
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    expect((await flow.http.post('/api/webhooks', { url: receiver.url }, 'admin')).status).toBe(400);

    expect((await flow.http.raw.delete(`/api/webhooks/${created.id}`).set('X-API-Key', ADMIN_KEY)).status).toBe(204);
    expect((await flow.http.get(`/api/webhooks/${created.id}`, 'admin')).status).toBe(404);
    expect((await flow.http.raw.delete(`/api/webhooks/${created.id}`).set('X-API-Key', ADMIN_KEY)).status).toBe(404);
    expect((await flow.http.post(`/api/webhooks/${created.id}/rotate-secret`, undefined, 'admin')).status).toBe(404);
    expect((await flow.http.get(`/api/webhooks/${created.id}/deliveries`, 'admin')).status).toBe(404);
  });

  it("delivers one referral's life, signed, each event once, in each subject's history order", async () => {
    const endpoint = await createEndpoint();
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect((await flow.http.get(`/api/webhooks/${endpoint.id}`, 'admin')).body).not.toHaveProperty('secret');

    const referralId = await flow.referralInPendingPayment('0708374149');
    const payment = await flow.finalPayment((await flow.onlyPayment(referralId)).id);
    expect(payment.status).toBe('completed');

    // The referral: created (pending-admin), awaiting-biodata, pending-payment, paid (four status
    // changes, the last also referral.paid); the payment: created, push accepted, completed.
    const events = await waitFor(async () => {
      const got = verified(endpoint.secret);
      return got.length >= 8 ? got : null;
    }, 'eight events at the receiver');
    await new Promise((r) => setTimeout(r, 800)); // and nothing more arrives
    expect(verified(endpoint.secret)).toHaveLength(8);
    expect(new Set(events.map((e) => e.id)).size).toBe(8);
    expect(events.map((e) => e.type).sort()).toEqual(
      ['payment.completed', 'payment.created', 'payment.push_accepted', 'referral.paid', ...Array(4).fill('referral.status_changed')].sort(),
    );
    const byTime = [...events].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    expect(byTime.filter((e) => e.type.startsWith('payment.')).map((e) => e.type)).toEqual(['payment.created', 'payment.push_accepted', 'payment.completed']);
    expect(byTime.filter((e) => e.type.startsWith('payment.')).every((e) => e.data.id === payment.id)).toBe(true);
    expect(byTime.filter((e) => e.type.startsWith('referral.')).every((e) => e.data.id === referralId)).toBe(true);
    // createdAt is the history row's time; referral.paid comes from the change that made it paid.
    const paid = byTime.find((e) => e.type === 'referral.paid')!;
    expect(paid.data.status).toBe('paid');
    expect(byTime.filter((e) => e.type === 'referral.status_changed').map((e) => e.createdAt).at(-1)).toBe(paid.createdAt);
    // Each request's webhook-id is the event's id.
    for (const r of receiver.received) expect(r.headers['webhook-id']).toBe(JSON.parse(r.body).id);

    const deliveries = (await flow.http.get(`/api/webhooks/${endpoint.id}/deliveries`, 'admin')).body;
    expect(deliveries.items).toHaveLength(8);
    expect(deliveries.items.every((d: { status: string; attempts: unknown[] }) => d.status === 'succeeded' && d.attempts.length === 1)).toBe(true);
  });

  it('tells of money to review (receipt.needs_review) and of a new reconciliation report (reconciliation.report_ready)', async () => {
    const endpoint = await createEndpoint(['receipt.needs_review', 'reconciliation.report_ready']);
    // A statement row with money no payment holds: an unmatched receipt (source statement) and a report.
    const file = statementCsv({ rows: paidInRows('UWHK000001', '2026-06-10T07:00:00Z', '1,500.00', 'NOT-OURS') });
    const imported = await flow.http.raw.post('/api/reconciliation/statements').set('X-API-Key', ADMIN_KEY).attach('file', file, 'june.csv');
    expect(imported.status).toBe(201);
    await waitFor(async () => receiver.received.length >= 2, 'both events to arrive');
    const events = verified(endpoint.secret);
    expect(events.map((e) => e.type).sort()).toEqual(['receipt.needs_review', 'reconciliation.report_ready']);
    expect(events.find((e) => e.type === 'receipt.needs_review')!.data).toMatchObject({ receipt: 'UWHK000001', amount: 1500, state: 'unmatched', source: 'statement' });
    expect(events.find((e) => e.type === 'reconciliation.report_ready')!.data).toMatchObject({ id: imported.body.id, source: 'statement', counts: imported.body.counts });
    // Once each: a second fan-out round has nothing more to say.
    await new Promise((r) => setTimeout(r, 600));
    expect(receiver.received).toHaveLength(2);
  });

  it('sends only the events an endpoint subscribed to', async () => {
    const endpoint = await createEndpoint(['referral.paid']);
    const referralId = await flow.referralInPendingPayment('0708374149');
    await flow.finalPayment((await flow.onlyPayment(referralId)).id);
    const events = await waitFor(async () => (verified(endpoint.secret).length >= 1 ? verified(endpoint.secret) : null), 'the referral.paid event');
    await new Promise((r) => setTimeout(r, 600));
    expect(verified(endpoint.secret).map((e) => e.type)).toEqual(['referral.paid']);
    expect(events[0].data).toMatchObject({ id: referralId, status: 'paid' });
  });

  it('retries a 500 on the schedule: 500 three times then 200 is four attempts, succeeded, all recorded', async () => {
    let calls = 0;
    receiver.respond((_req, res) => {
      calls += 1;
      res.writeHead(calls <= 3 ? 500 : 200).end(calls <= 3 ? 'boom' : 'ok');
    });
    const endpoint = await createEndpoint(['referral.status_changed']);
    await flow.http.post('/api/referrals', { patientName: 'Retry Patient' });

    const delivery = await waitFor(async () => {
      const list = (await flow.http.get(`/api/webhooks/${endpoint.id}/deliveries`, 'admin')).body;
      return list.items[0]?.status === 'succeeded' ? list.items[0] : null;
    }, 'the delivery to succeed');
    expect(delivery.attempts).toHaveLength(4);
    expect(delivery.attempts.map((a: { httpStatus: number }) => a.httpStatus)).toEqual([500, 500, 500, 200]);
    expect(delivery.attempts.slice(0, 3).every((a: { error: string }) => a.error === 'HTTP 500')).toBe(true);
    expect(delivery.attempts[3].error).toBeNull();
    expect(delivery.attempts.every((a: { durationMs: number; at: string }) => a.durationMs >= 0 && !Number.isNaN(Date.parse(a.at)))).toBe(true);
    expect(delivery.nextAttemptAt).toBeNull();
    // Four requests for one event, all with the same webhook-id.
    expect(receiver.received).toHaveLength(4);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);

    const metrics = (await flow.http.raw.get('/metrics')).text;
    expect(metrics).toMatch(/webhook_deliveries_total\{outcome="retrying"\} [1-9]/);
    expect(metrics).toMatch(/webhook_deliveries_total\{outcome="succeeded"\} [1-9]/);
    expect(metrics).toMatch(/webhook_delivery_duration_seconds_count\{outcome="succeeded"\} [1-9]/);
  });

  it('keeps at most 5 deliveries in flight to one endpoint, and delivers the rest when it answers', async () => {
    const held: import('node:http').ServerResponse[] = [];
    let holding = true;
    receiver.respond((_req, res) => (holding ? held.push(res) : res.writeHead(200).end()));
    const endpoint = await createEndpoint(['referral.status_changed']);
    for (let i = 0; i < 8; i++) await flow.http.post('/api/referrals', { patientName: `Slow Receiver ${i}` }).expect(201);

    await waitFor(async () => held.length >= 5, 'five deliveries in flight');
    await new Promise((r) => setTimeout(r, 1500)); // the other three wait their turn
    expect(held).toHaveLength(5);
    holding = false;
    for (const res of held) res.writeHead(200).end();

    const deliveries = await waitFor(async () => {
      const list = (await flow.http.get(`/api/webhooks/${endpoint.id}/deliveries`, 'admin')).body;
      return list.items.length === 8 && list.items.every((d: { status: string }) => d.status === 'succeeded') ? list.items : null;
    }, 'all eight delivered');
    // Waiting for a slot is not an attempt.
    expect(deliveries.every((d: { attempts: unknown[] }) => d.attempts.length === 1)).toBe(true);
    expect(receiver.received).toHaveLength(8);
  });

  it('does not follow a redirect: the attempt fails and the target hears nothing', async () => {
    const target = await startWebhookReceiver();
    try {
      receiver.respond((_req, res) => res.writeHead(302, { location: target.url }).end());
      const endpoint = await createEndpoint(['referral.status_changed']);
      await flow.http.post('/api/referrals', { patientName: 'Redirect Patient' });
      const delivery = await waitFor(async () => {
        const list = (await flow.http.get(`/api/webhooks/${endpoint.id}/deliveries`, 'admin')).body;
        return list.items[0]?.attempts.length >= 2 ? list.items[0] : null;
      }, 'two attempts');
      expect(delivery.attempts[0]).toMatchObject({ httpStatus: 302, error: 'redirect (302) not followed' });
      expect(target.received).toHaveLength(0);
    } finally {
      await target.close();
    }
  });

  it('redelivers on demand: one more attempt, recorded, same event id', async () => {
    const endpoint = await createEndpoint(['referral.status_changed']);
    await flow.http.post('/api/referrals', { patientName: 'Redeliver Patient' });
    const delivery = await waitFor(async () => {
      const list = (await flow.http.get(`/api/webhooks/${endpoint.id}/deliveries`, 'admin')).body;
      return list.items[0]?.status === 'succeeded' ? list.items[0] : null;
    }, 'the first delivery');
    const res = await flow.http.post(`/api/webhooks/deliveries/${delivery.id}/redeliver`, undefined, 'admin');
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ deliveryId: delivery.id, status: 'queued' });
    await waitFor(async () => receiver.received.length >= 2, 'the redelivery');
    expect(receiver.received[1].headers['webhook-id']).toBe(receiver.received[0].headers['webhook-id']);
    expect(verified(endpoint.secret).map((e) => e.id)).toEqual([delivery.eventId, delivery.eventId]);
    const after = await waitFor(async () => {
      const list = (await flow.http.get(`/api/webhooks/${endpoint.id}/deliveries?status=succeeded`, 'admin')).body;
      return list.items[0]?.attempts.length === 2 ? list.items[0] : null;
    }, 'the second attempt recorded');
    expect(after.status).toBe('succeeded');
    expect((await flow.http.post('/api/webhooks/deliveries/00000000-0000-4000-8000-000000000000/redeliver', undefined, 'admin')).status).toBe(404);
  });

  it('signs with both secrets for 24 h after a rotation, then only with the new one', async () => {
    const endpoint = await createEndpoint(['referral.status_changed']);
    const rotated = await flow.http.post(`/api/webhooks/${endpoint.id}/rotate-secret`, undefined, 'admin');
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(endpoint.secret);

    await flow.http.post('/api/referrals', { patientName: 'Rotation Patient' });
    await waitFor(async () => receiver.received.length >= 1, 'a delivery after the rotation');
    const first = receiver.received[0];
    expect(first.headers['webhook-signature']!.toString().split(' ')).toHaveLength(2);
    expect(() => new Webhook(endpoint.secret).verify(first.body, first.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(rotated.body.secret).verify(first.body, first.headers as Record<string, string>)).not.toThrow();

    // 24 h later (the webhooks' clock moved, not slept): the old secret no longer signs.
    const clock = t.app.get(WebhookClock);
    clock.advance(24 * 3600 * 1000 + 1000);
    try {
      await flow.http.post('/api/referrals', { patientName: 'After Rotation' });
      await waitFor(async () => receiver.received.length >= 2, 'a delivery 24 h after the rotation');
      const second = receiver.received[1];
      expect(second.headers['webhook-signature']!.toString().split(' ')).toHaveLength(1);
      // Verify against the timestamp the (moved) clock signed, as a receiver whose clock agrees would.
      const signedAt = new Date(Number(second.headers['webhook-timestamp']) * 1000);
      const id = second.headers['webhook-id'] as string;
      expect(second.headers['webhook-signature']).toBe(new Webhook(rotated.body.secret).sign(id, signedAt, second.body));
      expect(second.headers['webhook-signature']).not.toContain(new Webhook(endpoint.secret).sign(id, signedAt, second.body).slice(3));
    } finally {
      clock.advance(-(24 * 3600 * 1000 + 1000));
    }
  });
});
