// Issue 8, Security: every route against no key, a wrong key, a staff key and an admin key. Each
// cell sends a request that would succeed with the right role (fresh fixtures where it changes
// something), then asserts the contract's answer: 401 without a known key, 403 for a key without
// the role (both changing nothing in Postgres), the route's own success status otherwise.
import { failureCallback } from '../support/callbacks';
import { paidInRows, statementCsv } from '../support/statement-file';
import { contractFile, contractRoles, documentedRoutes, openApiRoles, PLANNED_ROUTES, Route, routeName, ROUTES } from '../support/route-catalogue';
import { jsonRequest, rawRequest, RawRequest, RawResponse } from '../support/raw-http';
import { changedTables, stateFingerprint } from '../support/state-fingerprint';
import { ADMIN_KEY, STAFF_KEY, startTestApp, TestApp } from '../support/test-app';

type Credential = 'none' | 'wrong' | 'staff' | 'admin';
const CREDENTIALS: Credential[] = ['none', 'wrong', 'staff', 'admin'];
const KEY: Record<Credential, string | null> = { none: null, wrong: 'not-a-key-0000000000', staff: STAFF_KEY, admin: ADMIN_KEY };

type Expected = 401 | 403 | 'allowed';

/** The contract's rule: no key or an unknown key 401, a key without the role 403, `admin` ⊇ `staff`. */
function expectedFor(route: Route, credential: Credential): Expected {
  if (route.access === 'public') return 'allowed';
  if (credential === 'none' || credential === 'wrong') return 401;
  if (route.access === 'admin' && credential === 'staff') return 403;
  return 'allowed';
}

describe('Authorization matrix', () => {
  let t: TestApp;
  const cells: { route: Route; credential: Credential; expected: Expected }[] = ROUTES.flatMap((route) =>
    CREDENTIALS.map((credential) => ({ route, credential, expected: expectedFor(route, credential) })),
  );

  beforeAll(async () => {
    t = await startTestApp({ env: { AUTO_STK_ON_PENDING_PAYMENT: 'false', RATE_LIMIT_PER_MINUTE: '0' } });
    console.log(`authorization matrix: ${ROUTES.length} routes x ${CREDENTIALS.length} credentials = ${cells.length} cells`);
  });
  afterAll(() => t.close());

  const send = (req: RawRequest) => rawRequest(t.baseUrl, req);
  async function admin(method: string, path: string, body?: unknown): Promise<RawResponse> {
    const res = await send(jsonRequest(method, path, body, ADMIN_KEY));
    if (res.status >= 300) throw new Error(`fixture ${method} ${path}: ${res.status} ${res.text}`);
    return res;
  }
  const json = (res: RawResponse) => res.json as Record<string, string>;

  async function referral(status: 'pending-admin' | 'pending-payment' = 'pending-admin'): Promise<string> {
    const id = json(await admin('POST', '/api/referrals', { patientName: 'Matrix Patient' })).id;
    if (status === 'pending-payment') {
      await admin('PATCH', `/api/referrals/${id}/status`, { status: 'awaiting-biodata' });
      await admin('PATCH', `/api/referrals/${id}/status`, { status: 'pending-payment', stkPhoneNumber: '0712500001' });
    }
    return id;
  }
  async function pendingPayment(): Promise<{ referralId: string; paymentId: string }> {
    const referralId = await referral('pending-payment');
    return { referralId, paymentId: json(await admin('POST', `/api/referrals/${referralId}/payments`, {})).id };
  }
  async function failedPayment(): Promise<{ referralId: string; paymentId: string }> {
    const p = await pendingPayment();
    await admin('POST', '/api/update-payment-status', { paymentId: p.paymentId, status: 'failed', reason: 'matrix fixture' });
    return p;
  }

  async function webhookEndpoint(): Promise<string> {
    return json(await admin('POST', '/api/webhooks', { url: 'http://127.0.0.1:9/matrix-hook', events: ['payment.completed'] })).id;
  }
  /** A delivery row as the fan-out writes it (this API-only app runs no fan-out of its own). */
  async function webhookDelivery(): Promise<string> {
    const endpointId = await webhookEndpoint();
    const [event] = await t.dataSource.query(
      `INSERT INTO webhook_events (type, source_kind, source_id, payload, created_at) VALUES ('payment.completed', 'payment_event', $1, '{}', now()) RETURNING id`,
      [`matrix-${Date.now()}-${Math.random()}`],
    );
    const [delivery] = await t.dataSource.query(`INSERT INTO webhook_deliveries (endpoint_id, event_id) VALUES ($1, $2) RETURNING id`, [endpointId, event.id]);
    return delivery.id;
  }

  /** An unmatched receipt, as the callback path records one (this API-only app applies no callbacks). */
  let receipts = 0;
  async function unmatchedReceipt(state = 'unmatched'): Promise<string> {
    const receipt = `MTRX${String(++receipts).padStart(6, '0')}`;
    await t.dataSource.query(`INSERT INTO receipts (receipt, amount, phone_number, source, state, reason) VALUES ($1, 1000, '254712500099', 'callback', $2, 'matrix fixture')`, [receipt, state]);
    return receipt;
  }

  /** A one-file multipart body, as a browser or `curl -F file=@…` sends it. */
  function multipart(method: string, path: string, field: string, fileName: string, content: Buffer): RawRequest {
    const boundary = `matrix-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${fileName}"\r\nContent-Type: text/csv\r\n\r\n`),
      content,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return { method, path, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body };
  }
  /** A fresh statement each time (its own receipt), so every import is a new report. */
  let statements = 0;
  function statementUpload(): RawRequest {
    const receipt = `MTRXS${String(++statements).padStart(5, '0')}`;
    return multipart('POST', '/api/reconciliation/statements', 'file', 'matrix.csv', statementCsv({ rows: paidInRows(receipt, '2026-06-10T07:00:00Z', '1,000.00', 'X9MATRIX') }));
  }
  async function reconciliationReport(): Promise<string> {
    const req = statementUpload();
    const res = await send({ ...req, headers: { ...req.headers, 'X-API-Key': ADMIN_KEY } });
    if (res.status !== 201) throw new Error(`fixture statement import: ${res.status} ${res.text}`);
    return json(res).id;
  }

  /** A request this route answers with success for a key that has the role, and that success status. */
  async function requestFor(route: Route): Promise<{ req: RawRequest; success: number }> {
    const r = (method: string, path: string, body?: unknown) => jsonRequest(method, path, body);
    switch (routeName(route)) {
      case 'POST /api/referrals':
        return { req: r('POST', '/api/referrals', { patientName: 'Created In Matrix' }), success: 201 };
      case 'GET /api/referrals':
        return { req: r('GET', '/api/referrals'), success: 200 };
      case 'GET /api/referrals/:id':
        return { req: r('GET', `/api/referrals/${await referral()}`), success: 200 };
      case 'PATCH /api/referrals/:id/status':
        return { req: r('PATCH', `/api/referrals/${await referral()}/status`, { status: 'cancelled', reason: 'matrix' }), success: 200 };
      case 'POST /api/referrals/:id/payments':
        return { req: r('POST', `/api/referrals/${await referral('pending-payment')}/payments`, {}), success: 202 };
      case 'POST /api/referrals/:id/payments/retry':
        return { req: r('POST', `/api/referrals/${(await failedPayment()).referralId}/payments/retry`), success: 202 };
      case 'GET /api/referrals/:id/payments':
        return { req: r('GET', `/api/referrals/${(await pendingPayment()).referralId}/payments`), success: 200 };
      case 'POST /api/mpesa/stk-push':
        return { req: r('POST', '/api/mpesa/stk-push', { phoneNumber: '0712500002', amount: 1000, referralId: await referral('pending-payment') }), success: 202 };
      case 'GET /api/payments':
        return { req: r('GET', '/api/payments?status=pending'), success: 200 };
      case 'GET /api/payments/pending':
        return { req: r('GET', '/api/payments/pending'), success: 200 };
      case 'GET /api/payments/stats':
        return { req: r('GET', '/api/payments/stats'), success: 200 };
      case 'GET /api/payments/stats/series':
        return { req: r('GET', '/api/payments/stats/series?interval=hour'), success: 200 };
      case 'GET /api/payments/by-phone/:phoneNumber':
        return { req: r('GET', '/api/payments/by-phone/0712500001'), success: 200 };
      case 'GET /api/payments/:id':
        return { req: r('GET', `/api/payments/${(await pendingPayment()).paymentId}`), success: 200 };
      case 'POST /api/payments/:id/retry':
        return { req: r('POST', `/api/payments/${(await failedPayment()).paymentId}/retry`), success: 202 };
      case 'POST /api/update-payment-status':
        return { req: r('POST', '/api/update-payment-status', { paymentId: (await pendingPayment()).paymentId, status: 'failed', reason: 'matrix' }), success: 200 };
      case 'GET /api/payments/events':
        return { req: r('GET', '/api/payments/events'), success: 200 };
      case 'GET /api/receipts':
        return { req: r('GET', '/api/receipts?state=unmatched'), success: 200 };
      case 'GET /api/receipts/:receipt':
        return { req: r('GET', `/api/receipts/${await unmatchedReceipt()}`), success: 200 };
      case 'POST /api/receipts/:receipt/resolve':
        return { req: r('POST', `/api/receipts/${await unmatchedReceipt()}/resolve`, { action: 'dismiss', reason: 'matrix' }), success: 200 };
      case 'POST /api/receipts/:receipt/verify':
        return { req: r('POST', `/api/receipts/${await unmatchedReceipt()}/verify`), success: 202 };
      case 'POST /api/receipts/:receipt/refund':
        return { req: r('POST', `/api/receipts/${await unmatchedReceipt('refund-due')}/refund`, { reason: 'matrix' }), success: 202 };
      case 'POST /api/reconciliation/statements':
        return { req: statementUpload(), success: 201 };
      case 'GET /api/reconciliation/reports':
        return { req: r('GET', '/api/reconciliation/reports'), success: 200 };
      case 'GET /api/reconciliation/reports/:id':
        return { req: r('GET', `/api/reconciliation/reports/${await reconciliationReport()}?format=csv`), success: 200 };
      case 'POST /api/stk-callback/:token':
        return { req: r('POST', '/api/stk-callback/dev-callback-token', failureCallback(`ws_CO_matrix_${Date.now()}_${Math.random()}`, 1032, 'Request cancelled by user')), success: 200 };
      case 'POST /api/mpesa/results/:token/:kind': {
        const id = `AG_matrix_${Date.now()}_${Math.random()}`;
        const result = { Result: { ResultType: 0, ResultCode: 2032, ResultDesc: 'The transaction receipt number does not exist.', OriginatorConversationID: `o-${id}`, ConversationID: id, TransactionID: 'UL20000000' } };
        return { req: r('POST', '/api/mpesa/results/dev-callback-token/transaction-status', result), success: 200 };
      }
      case 'POST /api/webhooks':
        return { req: r('POST', '/api/webhooks', { url: 'http://127.0.0.1:9/matrix-hook', events: ['referral.paid'] }), success: 201 };
      case 'GET /api/webhooks':
        return { req: r('GET', '/api/webhooks'), success: 200 };
      case 'GET /api/webhooks/:id':
        return { req: r('GET', `/api/webhooks/${await webhookEndpoint()}`), success: 200 };
      case 'PATCH /api/webhooks/:id':
        return { req: r('PATCH', `/api/webhooks/${await webhookEndpoint()}`, { description: 'matrix' }), success: 200 };
      case 'DELETE /api/webhooks/:id':
        return { req: r('DELETE', `/api/webhooks/${await webhookEndpoint()}`), success: 204 };
      case 'POST /api/webhooks/:id/rotate-secret':
        return { req: r('POST', `/api/webhooks/${await webhookEndpoint()}/rotate-secret`), success: 200 };
      case 'GET /api/webhooks/:id/deliveries':
        return { req: r('GET', `/api/webhooks/${await webhookEndpoint()}/deliveries`), success: 200 };
      case 'POST /api/webhooks/deliveries/:id/redeliver':
        return { req: r('POST', `/api/webhooks/deliveries/${await webhookDelivery()}/redeliver`), success: 202 };
      default:
        // The operational routes are plain reads.
        return { req: r(route.method, route.path), success: 200 };
    }
  }

  it('covers exactly the routes of the OpenAPI document, with the same roles', () => {
    const documented = openApiRoles();
    const ours = new Map(ROUTES.filter((r) => documented.has(routeName(r))).map((r) => [routeName(r), r.access]));
    expect(ours).toEqual(documented);
    expect(ROUTES.filter((r) => r.kind === 'api').every((r) => documented.has(routeName(r)))).toBe(true);
  });

  it('docs/api.md lists exactly the API routes served, with the same roles', () => {
    const api = new Map(ROUTES.filter((r) => r.kind === 'api').map((r) => [routeName(r), r.access]));
    expect(api).toEqual(documentedRoutes().built);
  });

  it('docs/api.md lists exactly the planned routes, and none of them is served or documented yet', async () => {
    const planned = new Map(PLANNED_ROUTES.map((r) => [routeName(r), `${r.access} ${r.issue}`]));
    expect(documentedRoutes().planned).toEqual(planned);
    const documented = openApiRoles();
    expect(PLANNED_ROUTES.filter((r) => documented.has(routeName(r))).map(routeName)).toEqual([]);
    const answers: string[] = [];
    for (const route of PLANNED_ROUTES) {
      const path = route.path.replace(/:(\w+)/g, (_m, name: string) => (name === 'token' ? 'dev-callback-token' : `sample-${name}`));
      const res = await send(jsonRequest(route.method, path, route.method === 'GET' || route.method === 'DELETE' ? undefined : {}, ADMIN_KEY));
      answers.push(`${routeName(route)} ${res.status}`);
    }
    expect(answers).toEqual(PLANNED_ROUTES.map((r) => `${routeName(r)} 404`));
  });

  it('the contract names exactly the routes served plus the planned ones, with the same roles', () => {
    // The customer's file where it is at hand (CI, the team's machines); otherwise docs/api.md, the
    // repository's copy of the contract's tables, so a user's clone still checks something.
    const file = contractFile();
    const contract = file ? contractRoles(file) : new Map([...documentedRoutes().built, ...[...documentedRoutes().planned].map(([k, v]) => [k, v.split(' ')[0]] as const)]);
    const served = ROUTES.filter((r) => r.kind === 'api').map((r) => [routeName(r), r.access] as const);
    const planned = PLANNED_ROUTES.map((r) => [routeName(r), r.access] as const);
    const byIssue = new Map<number, string[]>();
    for (const r of PLANNED_ROUTES) byIssue.set(r.issue, [...(byIssue.get(r.issue) ?? []), routeName(r)]);
    console.log(
      `contract (${file ?? 'docs/api.md'}): ${contract.size} routes, ${served.length} served, ${planned.length} not built yet:\n` +
        [...byIssue].map(([issue, names]) => `  issue ${issue}: ${names.join(', ')}`).join('\n'),
    );
    expect(new Map([...served, ...planned])).toEqual(contract);
  });

  it.each(cells.map((c) => [routeName(c.route), c.credential, c.expected, c] as const))('%s with %s key: %s', async (_name, credential, expected, cell) => {
    const { req, success } = await requestFor(cell.route);
    const key = KEY[credential];
    if (key) req.headers = { ...req.headers, 'X-API-Key': key };
    const before = await stateFingerprint(t.dataSource);
    const res = await send(req);
    if (expected === 'allowed') {
      expect({ status: res.status, body: res.status === success ? '' : res.text }).toEqual({ status: success, body: '' });
      return;
    }
    expect(res.status).toBe(expected);
    expect(res.json).toMatchObject({ statusCode: expected, code: expected === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN' });
    expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
  });
});
