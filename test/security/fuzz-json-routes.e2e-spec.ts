// Issue 8, Security: property-based fuzzing (fast-check) of every JSON route of the API. Random
// and malformed bodies, headers, path parameters and query strings, mostly with a key that has
// the route's role so the input reaches validation and the services. Properties, for every input:
// never a 5xx; an answer >= 400 has the contract's error shape and changed nothing in Postgres
// (fingerprint of every table before and after); the process answers /health/ready afterwards.
// CI profile: FUZZ_RUNS (default 100) inputs per route, seed FUZZ_SEED (printed).
import fc from 'fast-check';
import { contentType, dtoBody, extraHeaders, FUZZ_RUNS, FUZZ_SEED, fuzzParameters, pathSegment, queryString, rawBody } from '../support/fuzz';
import { jsonRequest, rawRequest, RawResponse } from '../support/raw-http';
import { Route, routeName, ROUTES } from '../support/route-catalogue';
import { changedTables, stateFingerprint, stateTables } from '../support/state-fingerprint';
import { ADMIN_KEY, STAFF_KEY, startTestApp, TestApp } from '../support/test-app';

const JSON_ROUTES = ROUTES.filter((r) => r.kind === 'api' && r.access !== 'public');

/** Query parameters each route documents (docs/openapi.json), so values reach their validators. */
const QUERY_KEYS: Record<string, string[]> = {
  'GET /api/referrals': ['status', 'limit', 'cursor'],
  'GET /api/payments': ['referralId', 'phoneNumber', 'status', 'from', 'to', 'limit', 'cursor'],
  'GET /api/payments/pending': ['limit', 'cursor'],
  'GET /api/payments/stats': ['from', 'to'],
  'GET /api/payments/stats/series': ['from', 'to', 'interval'],
  'GET /api/payments/by-phone/:phoneNumber': ['limit', 'cursor'],
  'GET /api/payments/events': ['referralId'],
  'GET /api/webhooks': ['limit', 'cursor'],
  'GET /api/receipts': ['state', 'phoneNumber', 'from', 'to', 'limit', 'cursor'],
  'GET /api/webhooks/:id/deliveries': ['status', 'limit', 'cursor'],
  'GET /api/reconciliation/reports': ['limit', 'cursor'],
  'GET /api/reconciliation/reports/:id': ['format'],
};

interface Fixtures {
  referralIds: string[];
  paymentIds: string[];
  stkRequestIds: string[];
  webhookIds: string[];
  deliveryIds: string[];
  receipts: string[];
}

describe('Fuzzing the JSON routes', () => {
  let t: TestApp;
  let tables: string[];
  const fx: Fixtures = { referralIds: [], paymentIds: [], stkRequestIds: [], webhookIds: [], deliveryIds: [], receipts: [] };
  const summary: { route: string; inputs: number; seed: number; statuses: Record<number, number> }[] = [];

  beforeAll(async () => {
    t = await startTestApp({ env: { AUTO_STK_ON_PENDING_PAYMENT: 'false', RATE_LIMIT_PER_MINUTE: '0' } });
    tables = await stateTables(t.dataSource);
    await createFixtures();
    console.log(`fuzzing ${JSON_ROUTES.length} JSON routes: ${FUZZ_RUNS} inputs each, FUZZ_SEED=${FUZZ_SEED}`);
  });
  afterAll(async () => {
    console.log(
      `JSON route fuzzing, FUZZ_SEED=${FUZZ_SEED}:\n${summary.map((s) => `  ${s.route}: ${s.inputs} inputs, seed ${s.seed}, answers ${JSON.stringify(s.statuses)}`).join('\n')}\n  total ${summary.reduce((n, s) => n + s.inputs, 0)} inputs, 0 failures`,
    );
    await t.close();
  });

  async function admin(method: string, path: string, body?: unknown): Promise<Record<string, string>> {
    const res = await rawRequest(t.baseUrl, jsonRequest(method, path, body, ADMIN_KEY));
    if (res.status >= 300) throw new Error(`fixture ${method} ${path}: ${res.status} ${res.text}`);
    return res.json as Record<string, string>;
  }

  /** Referrals in every status and payments in every state, so valid ids reach every branch. */
  async function createFixtures() {
    const referral = async (steps: ('awaiting-biodata' | 'pending-payment' | 'cancelled')[], phone = '0712600001') => {
      const id = (await admin('POST', '/api/referrals', { patientName: 'Fuzz Fixture', patientPhone: phone })).id;
      for (const status of steps) await admin('PATCH', `/api/referrals/${id}/status`, status === 'pending-payment' ? { status, stkPhoneNumber: phone } : { status });
      fx.referralIds.push(id);
      return id;
    };
    await referral([]);
    await referral(['awaiting-biodata']);
    await referral(['cancelled']);
    await referral(['awaiting-biodata', 'pending-payment']);
    for (let i = 0; i < 6; i++) {
      const referralId = await referral(['awaiting-biodata', 'pending-payment'], `07126000${10 + i}`);
      const payment = await admin('POST', `/api/referrals/${referralId}/payments`, {});
      fx.paymentIds.push(payment.id);
      const stkRequestId = `ws_CO_FUZZ_${i}_${Date.now()}`;
      // As if Daraja had accepted the push: the worker does not run in this app.
      await t.dataSource.query(`UPDATE payments SET stk_request_id = $1, push_state = 'accepted' WHERE id = $2`, [stkRequestId, payment.id]);
      fx.stkRequestIds.push(stkRequestId);
      if (i === 1) await admin('POST', '/api/update-payment-status', { paymentId: payment.id, status: 'failed', reason: 'fixture' });
      if (i === 2) await admin('POST', '/api/update-payment-status', { paymentId: payment.id, status: 'completed', mpesaTransactionId: `FUZZ${Date.now()}`.slice(0, 14), reason: 'fixture' });
    }
    // Receipts in the states a resolve meets, as the callback path records them (this app applies no callbacks).
    for (const [i, state] of (['unmatched', 'review', 'refund-due', 'applied', 'dismissed'] as const).entries()) {
      const receipt = `FUZZRCPT${i}${Date.now().toString().slice(-6)}`;
      await t.dataSource.query(
        `INSERT INTO receipts (receipt, amount, phone_number, source, state, payment_id) VALUES ($1, 1000, '254712600099', 'callback', $2, CASE WHEN $2 = 'applied' THEN $3::uuid END)`,
        [receipt, state, fx.paymentIds[2]],
      );
      fx.receipts.push(receipt);
    }
    for (let i = 0; i < 3; i++) {
      const endpoint = await admin('POST', '/api/webhooks', { url: `http://127.0.0.1:9/fuzz-${i}`, events: ['payment.completed', 'referral.paid'] });
      fx.webhookIds.push(endpoint.id);
      // A delivery as the fan-out writes it: this app runs no worker.
      const [event] = await t.dataSource.query(
        `INSERT INTO webhook_events (type, source_kind, source_id, payload, created_at) VALUES ('referral.paid', 'referral_change', $1, '{}', now()) RETURNING id`,
        [`fuzz-${i}-${Date.now()}`],
      );
      const [delivery] = await t.dataSource.query(`INSERT INTO webhook_deliveries (endpoint_id, event_id) VALUES ($1, $2) RETURNING id`, [endpoint.id, event.id]);
      fx.deliveryIds.push(delivery.id);
    }
  }

  const referralId = () => fc.oneof(fc.constantFrom(...fx.referralIds), pathSegment);
  const paymentId = () => fc.oneof(fc.constantFrom(...fx.paymentIds), pathSegment);
  const phone = fc.oneof(fc.constantFrom('0712600010', '254712600011', '+254712600012', '712600013'), fc.stringMatching(/^\+?\d{0,14}$/));
  const amount = fc.integer({ min: 1, max: 250_000 });
  const text = fc.string({ maxLength: 80 });

  /** Body fields each JSON route's DTO takes, with values that are mostly plausible. */
  function bodyFor(route: Route) {
    switch (routeName(route)) {
      case 'POST /api/referrals':
        return dtoBody({ patientName: text, patientPhone: phone, referringFacility: text, receivingFacility: text, reason: text, amount });
      case 'PATCH /api/referrals/:id/status':
        return dtoBody({ status: fc.constantFrom('pending-admin', 'awaiting-biodata', 'pending-payment', 'paid', 'confirmed', 'cancelled', 'rejected'), stkPhoneNumber: phone, reason: text });
      case 'POST /api/referrals/:id/payments':
        return dtoBody({ phoneNumber: phone, amount });
      case 'POST /api/mpesa/stk-push':
        return dtoBody({ phoneNumber: phone, amount, referralId: fc.constantFrom(...fx.referralIds), patientName: text });
      case 'POST /api/update-payment-status':
        return dtoBody({
          paymentId: fc.constantFrom(...fx.paymentIds),
          stkRequestId: fc.constantFrom(...fx.stkRequestIds),
          status: fc.constantFrom('completed', 'failed'),
          mpesaTransactionId: fc.stringMatching(/^[A-Z0-9]{10}$/),
          amount,
          reason: text,
        });
      case 'POST /api/receipts/:receipt/resolve':
        return dtoBody({ action: fc.constantFrom('attach', 'dismiss', 'refund'), paymentId: fc.oneof(fc.constantFrom(...fx.paymentIds), text), reason: text });
      case 'POST /api/webhooks':
      case 'PATCH /api/webhooks/:id':
        return dtoBody({
          url: fc.oneof(fc.constantFrom('http://127.0.0.1:9/fuzz', 'https://hooks.example.invalid/x', 'ftp://127.0.0.1/x', 'http://user:pw@127.0.0.1/', '/relative'), text),
          events: fc.array(fc.oneof(fc.constantFrom('payment.completed', 'referral.paid', 'receipt.needs_review'), text), { maxLength: 4 }),
          description: fc.oneof(text, fc.constant(null)),
          status: fc.constantFrom('enabled', 'disabled', 'deleted'),
        });
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  function pathFor(route: Route) {
    const segments = route.path.split('/').map((segment) => {
      if (segment === ':id' && route.path.startsWith('/api/webhooks/deliveries')) return fc.oneof(fc.constantFrom(...fx.deliveryIds), pathSegment);
      if (segment === ':id' && route.path.startsWith('/api/webhooks')) return fc.oneof(fc.constantFrom(...fx.webhookIds), pathSegment);
      if (segment === ':id') return route.path.startsWith('/api/payments') ? paymentId() : referralId();
      if (segment === ':receipt') return fc.oneof(fc.constantFrom(...fx.receipts), pathSegment);
      if (segment === ':phoneNumber') return fc.oneof(phone.map(encodeURIComponent), pathSegment);
      return fc.constant(segment);
    });
    return fc.tuple(...segments).map((parts) => parts.join('/'));
  }

  const auth = (route: Route) =>
    fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom<Record<string, string>>(route.access === 'admin' ? { 'X-API-Key': ADMIN_KEY } : { 'X-API-Key': STAFF_KEY }, { Authorization: `Bearer ${ADMIN_KEY}` }) },
      { weight: 1, arbitrary: fc.constantFrom<Record<string, string>>({}, { 'X-API-Key': 'wrong' }, { Authorization: `Basic ${STAFF_KEY}` }, { 'X-API-Key': `${STAFF_KEY} ` }, { 'X-API-Key': STAFF_KEY }) },
    );

  function checkAnswer(route: Route, res: RawResponse) {
    expect(res.status).toBeLessThan(500);
    expect(res.status).toBeGreaterThanOrEqual(200);
    if (res.status >= 400) {
      expect(res.json).toMatchObject({ statusCode: res.status, code: expect.any(String), message: expect.any(String) });
    }
  }

  it.each(JSON_ROUTES.map((route, index) => [routeName(route), route, index] as const))('%s: no 5xx, refusals change nothing', async (name, route, index) => {
    const statuses: Record<number, number> = {};
    const input = fc.record({
      path: pathFor(route),
      query: queryString(QUERY_KEYS[name] ?? []),
      auth: auth(route),
      contentType,
      headers: extraHeaders,
      body: route.json ? rawBody(bodyFor(route)) : fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: rawBody(fc.jsonValue()) }),
    });
    const parameters = fuzzParameters(index);
    await fc.assert(
      fc.asyncProperty(input, async ({ path, query, auth: credentials, contentType: type, headers, body }) => {
        const before = await stateFingerprint(t.dataSource, tables);
        const res = await rawRequest(t.baseUrl, {
          method: route.method,
          path: `${path}${query}`,
          headers: { ...headers, ...credentials, ...(body !== undefined ? { 'Content-Type': type } : {}) },
          body,
        });
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        checkAnswer(route, res);
        if (res.status >= 400) expect(changedTables(before, await stateFingerprint(t.dataSource, tables))).toEqual([]);
      }),
      parameters,
    );
    summary.push({ route: name, inputs: parameters.numRuns!, seed: parameters.seed!, statuses });
    const ready = await rawRequest(t.baseUrl, { method: 'GET', path: '/health/ready' });
    expect(ready.status).toBe(200);
  });
});
