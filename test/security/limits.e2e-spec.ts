// Issue 8, Security: size limits and throttling. Every route that reads a body answers 413 to one
// over 64 KB and changes nothing; a key over RATE_LIMIT_PER_MINUTE answers 429 with Retry-After on
// every kind of route, before doing anything; so do callers without a known key, per address.
import { DEV_CALLBACK_PATH, failureCallback } from '../support/callbacks';
import { jsonRequest, rawRequest } from '../support/raw-http';
import { Route, routeName, ROUTES } from '../support/route-catalogue';
import { changedTables, stateFingerprint } from '../support/state-fingerprint';
import { ADMIN_KEY, STAFF_KEY, startTestApp, TestApp } from '../support/test-app';

const BODY_ROUTES = ROUTES.filter((r) => r.kind === 'api' && r.method !== 'GET');
const concrete = (r: Route) => r.path.replace(':id', '00000000-0000-4000-8000-000000000000').replace(':token', DEV_CALLBACK_PATH.split('/').pop()!);

describe('Size limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { AUTO_STK_ON_PENDING_PAYMENT: 'false', RATE_LIMIT_PER_MINUTE: '0' } });
  });
  afterAll(() => t.close());

  it.each(BODY_ROUTES.map((r) => [routeName(r), r] as const))('%s answers 413 to a body over 64 KB and changes nothing', async (_name, route) => {
    const key = route.access === 'admin' ? ADMIN_KEY : route.access === 'staff' ? STAFF_KEY : undefined;
    const body = { patientName: 'Big', reason: 'x'.repeat(65 * 1024) };
    const before = await stateFingerprint(t.dataSource);
    const res = await rawRequest(t.baseUrl, jsonRequest(route.method, concrete(route), body, key));
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
  });

  it('accepts a body just under the limit (the limit is the documented 64 KB, not less)', async () => {
    const res = await rawRequest(t.baseUrl, jsonRequest('POST', '/api/referrals', { patientName: 'Fits', reason: 'x'.repeat(60 * 1024) }, STAFF_KEY));
    expect(res.status).toBe(400); // reason is at most 2000 characters: refused by validation, not by size
    expect(res.json).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('Throttling', () => {
  let t: TestApp;
  const LIMIT = 5;
  beforeAll(async () => {
    t = await startTestApp({ env: { AUTO_STK_ON_PENDING_PAYMENT: 'false', RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After to a key past its minute on a mutating route, creating nothing', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++) statuses.push((await rawRequest(t.baseUrl, jsonRequest('POST', '/api/referrals', { patientName: `Within the limit ${i}` }, STAFF_KEY))).status);
    expect(statuses).toEqual(Array(LIMIT).fill(201));
    const before = await stateFingerprint(t.dataSource);
    const res = await rawRequest(t.baseUrl, jsonRequest('POST', '/api/referrals', { patientName: 'Over the limit' }, STAFF_KEY));
    expect(res.status).toBe(429);
    expect(res.json).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
  });

  it('limits callers without a known key per address, however many keys they guess', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 3; i++) {
      const headers: Record<string, string> = i % 3 === 0 ? {} : { 'X-API-Key': `guess-${i}` };
      statuses.push((await rawRequest(t.baseUrl, { method: 'GET', path: '/api/referrals', headers })).status);
    }
    expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(401));
    expect(statuses.slice(LIMIT)).toEqual([429, 429, 429]);
  });

  it('never limits callbacks or health checks', async () => {
    for (let i = 0; i < LIMIT + 2; i++) {
      const cb = await rawRequest(t.baseUrl, jsonRequest('POST', DEV_CALLBACK_PATH, failureCallback(`ws_CO_limit_${i}`, 1032, 'Request cancelled by user')));
      expect(cb.status).toBe(200);
      expect((await rawRequest(t.baseUrl, { method: 'GET', path: '/health/live' })).status).toBe(200);
    }
  });
});
