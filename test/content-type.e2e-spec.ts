// Issue 14, item 5: a JSON body sent without `Content-Type: application/json` (curl's -d sends
// application/x-www-form-urlencoded) answers 415 UNSUPPORTED_MEDIA_TYPE saying what to send, on
// every route that takes a body, and changes nothing. The M-Pesa callback keeps its contract: a
// body that is not JSON is 400.
import { DEV_CALLBACK_PATH } from './support/callbacks';
import { paymentFlow } from './support/payment-flow';
import { rawRequest } from './support/raw-http';
import { changedTables, stateFingerprint } from './support/state-fingerprint';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

describe('Request bodies must be sent as application/json', () => {
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;
  let referralId: string;
  let paymentId: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { AUTO_STK_ON_PENDING_PAYMENT: 'false' } });
    flow = paymentFlow(t);
    referralId = await flow.referralInPendingPayment('0712140501');
    paymentId = (await flow.http.post(`/api/referrals/${referralId}/payments`, {})).body.id;
  });
  afterAll(() => t.close());

  // Each a request that would succeed as JSON (checked last), so only the content type is wrong.
  const routes = () => [
    { method: 'POST', path: '/api/referrals', body: { patientName: 'Form Encoded' } },
    { method: 'POST', path: '/API/Referrals/', body: { patientName: 'Form Encoded' } }, // Express routes it all the same
    { method: 'PATCH', path: `/api/referrals/${referralId}/status`, body: { status: 'cancelled', reason: 'typed by hand' } },
    { method: 'POST', path: `/api/referrals/${referralId}/payments`, body: { amount: 10 } },
    { method: 'POST', path: '/api/mpesa/stk-push', body: { referralId, phoneNumber: '0712140501', amount: 10 } },
    { method: 'POST', path: '/api/update-payment-status', body: { paymentId, status: 'failed', reason: 'typed by hand' } },
    { method: 'POST', path: `/api/payments/${paymentId}/retry`, body: { note: 'a body it does not take' } },
  ];

  const WRONG_TYPES: (string | null)[] = [
    'application/x-www-form-urlencoded', // curl -d
    'text/plain',
    'text/plain; charset=utf-8',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/jsonx',
    'json',
    null, // no Content-Type at all
  ];

  it.each(WRONG_TYPES.map((type) => [String(type), type] as const))('answers 415 to a JSON body sent as %s, on every route with a body, changing nothing', async (_name, type) => {
    for (const route of routes()) {
      const before = await stateFingerprint(t.dataSource);
      const res = await rawRequest(t.baseUrl, {
        method: route.method,
        path: route.path,
        headers: { 'X-API-Key': ADMIN_KEY, ...(type === null ? {} : { 'Content-Type': type }) },
        body: JSON.stringify(route.body),
      });
      expect({ route: route.path, status: res.status }).toEqual({ route: route.path, status: 415 });
      expect(res.json).toEqual({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('Content-Type: application/json') });
      expect((res.json as { message: string }).message).toContain(type === null ? 'no Content-Type' : `"${type}"`);
      expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
    }
  });

  it('says what to send for a charset or content encoding it cannot read', async () => {
    const unreadable: Record<string, string>[] = [{ 'Content-Type': 'application/json; charset=latin1' }, { 'Content-Type': 'application/json', 'Content-Encoding': 'x-unknown' }];
    for (const headers of unreadable) {
      const res = await rawRequest(t.baseUrl, { method: 'POST', path: '/api/referrals', headers: { 'X-API-Key': ADMIN_KEY, ...headers }, body: '{"patientName":"Latin"}' });
      expect(res.status).toBe(415);
      expect(res.json).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('Content-Type: application/json') });
    }
  });

  it('takes application/json in any letter case and with charset=utf-8, and a bodiless POST with any type', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON']) {
      const res = await rawRequest(t.baseUrl, { method: 'POST', path: '/api/referrals', headers: { 'X-API-Key': ADMIN_KEY, 'Content-Type': type }, body: '{"patientName":"Proper JSON"}' });
      expect({ type, status: res.status }).toEqual({ type, status: 201 });
    }
    // No body at all: nothing to read, so its type does not matter (curl -X POST with -H only).
    const retry = await rawRequest(t.baseUrl, { method: 'POST', path: `/api/payments/${paymentId}/retry`, headers: { 'X-API-Key': ADMIN_KEY, 'Content-Type': 'text/plain', 'Content-Length': '0' } });
    expect(retry.status).toBe(409);
    expect(retry.json).toMatchObject({ code: 'PAYMENT_NOT_RETRYABLE' });
  });

  it('keeps the callback contract: a body that is not JSON is 400 and stored nowhere', async () => {
    const before = await stateFingerprint(t.dataSource);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', null]) {
      const res = await rawRequest(t.baseUrl, {
        method: 'POST',
        path: DEV_CALLBACK_PATH,
        headers: type === null ? {} : { 'Content-Type': type },
        body: JSON.stringify({ Body: { stkCallback: { CheckoutRequestID: 'ws_CO_text', ResultCode: 1032 } } }),
      });
      expect({ type, status: res.status }).toEqual({ type, status: 400 });
      expect(res.json).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    }
    expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
  });
});
