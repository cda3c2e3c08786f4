// Issue 14, item 6: everything under /simulator answers in Daraja's shapes, synchronous errors in
// its envelope `{requestId, errorCode, errorMessage}` and nothing else, even when the request never
// reaches a simulator handler (a body that is not JSON, too large, of another type, a broken path),
// in the app exactly as the service configures it. A refused request changes nothing.
import { rawRequest, RawRequest, RawResponse } from '../support/raw-http';
import { startTestApp, TestApp } from '../support/test-app';

const ENVELOPE_KEYS = ['errorCode', 'errorMessage', 'requestId'];

describe('The simulator answers errors only in Daraja envelopes', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    expect((await rawRequest(t.baseUrl, { method: 'POST', path: '/simulator/reset' })).status).toBe(200);
  });

  const send = (req: RawRequest) => rawRequest(t.baseUrl, req);
  const json = (path: string, body: string, headers: Record<string, string> = {}): RawRequest => ({
    method: 'POST',
    path,
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer whatever', ...headers },
    body,
  });

  function expectEnvelope(res: RawResponse, status: number, message?: RegExp) {
    expect({ status: res.status, keys: Object.keys((res.json ?? {}) as object).sort() }).toEqual({ status, keys: ENVELOPE_KEYS });
    const body = res.json as { requestId: string; errorCode: string; errorMessage: string };
    expect(body.requestId).toMatch(/^\d+-\d+-\d$/);
    expect(body.errorCode).toMatch(new RegExp(`^${status}\\.\\d{3}(\\.\\d+)?$`));
    expect(body.errorMessage.length).toBeGreaterThan(0);
    if (message) expect(body.errorMessage).toMatch(message);
    expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  }

  const BODY_ROUTES = ['/simulator/mpesa/stkpush/v1/processrequest', '/simulator/mpesa/stkpushquery/v1/query', '/simulator/settings'];

  it.each(BODY_ROUTES)('%s: a body that is not JSON, too deep, or holding NUL is 400 400.002.02', async (path) => {
    const deep = `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`;
    for (const body of ['{"BusinessShortCode": ', 'not json', deep, '{"BusinessShortCode":"\\u0000"}']) {
      const res = await send(json(path, body));
      expectEnvelope(res, 400, /^Bad Request - /);
      expect((res.json as { errorCode: string }).errorCode).toBe('400.002.02');
    }
  });

  it.each(BODY_ROUTES)('%s: a body sent as form, text or without a type is 415, saying what to send', async (path) => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', null]) {
      const req = json(path, '{"BusinessShortCode":"174379"}');
      if (type === null) delete req.headers!['Content-Type'];
      else req.headers!['Content-Type'] = type;
      expectEnvelope(await send(req), 415, /Content-Type: application\/json/);
    }
    expectEnvelope(await send(json(path, '{}', { 'Content-Type': 'application/json; charset=latin1' })), 415);
    expectEnvelope(await send(json(path, '{}', { 'Content-Encoding': 'x-unknown' })), 415);
  });

  it.each(BODY_ROUTES)('%s: a body over 64 KB is 413', async (path) => {
    expectEnvelope(await send(json(path, JSON.stringify({ TransactionDesc: 'x'.repeat(70_000) }))), 413);
  });

  it('answers a broken or bare path with 404.001.01, or 400 for an escape that decodes to nothing', async () => {
    expectEnvelope(await send({ method: 'GET', path: '/simulator' }), 404);
    expectEnvelope(await send({ method: 'GET', path: '/simulator/' }), 404);
    expectEnvelope(await send({ method: 'POST', path: '/SIMULATOR/nowhere' }), 404);
    const broken = await send({ method: 'GET', path: '/simulator/mpesa/%E0%A4%A' });
    expect([400, 404]).toContain(broken.status);
    expectEnvelope(broken, broken.status);
  });

  it('answers a refused setting in the envelope, with a requestId', async () => {
    const res = await send(json('/simulator/settings', '{"colour":"blue"}'));
    expectEnvelope(res, 400, /^Bad Request - /);
  });

  it('changes nothing for a refused request: no push recorded, settings as they were', async () => {
    const settingsBefore = (await send({ method: 'GET', path: '/simulator/transactions' })).json as { pushes: unknown[] };
    await send(json('/simulator/mpesa/stkpush/v1/processrequest', 'BusinessShortCode=174379', { 'Content-Type': 'application/x-www-form-urlencoded' }));
    await send(json('/simulator/settings', 'callbackDelayMs=1', { 'Content-Type': 'application/x-www-form-urlencoded' }));
    const after = (await send({ method: 'GET', path: '/simulator/transactions' })).json as { pushes: unknown[] };
    expect(after.pushes).toEqual(settingsBefore.pushes);
    expect(after.pushes).toEqual([]);
    const settings = await send(json('/simulator/settings', '{}'));
    expect(settings.status).toBe(200);
    expect(settings.json).toMatchObject({ callbackDelayMs: 3000 });
  });

  it('leaves the service API in its own error shape', async () => {
    const res = await send({ method: 'POST', path: '/api/referrals', headers: { 'Content-Type': 'application/json' }, body: '{' });
    expect(res.json).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
  });
});

describe('Outside simulator mode', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        MPESA_ENV: 'sandbox',
        MPESA_CALLBACK_TOKEN: 'sandbox-callback-token-0123456789',
        MPESA_CONSUMER_KEY: 'k',
        MPESA_CONSUMER_SECRET: 's',
        MPESA_PASSKEY: 'p',
        MPESA_BASE_URL: 'http://127.0.0.1:9/unused',
      },
    });
  });
  afterAll(() => t?.close());

  it('has nothing under /simulator: a 404 in the service shape, whatever the body', async () => {
    for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
      const res = await rawRequest(t.baseUrl, { method: 'POST', path: '/simulator/mpesa/stkpush/v1/processrequest', headers: { 'Content-Type': type }, body: '{}' });
      expect({ type, status: res.status }).toEqual({ type, status: 404 });
      expect(res.json).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    }
  });
});
