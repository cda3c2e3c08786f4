// OAuth between the client and the simulator: caching, single flight, expiry, refresh and bad credentials.
import { sleep, startSimulatorHarness, SimulatorHarness } from './support/simulator-harness';

let h: SimulatorHarness;
beforeAll(async () => {
  h = await startSimulatorHarness();
});
afterAll(async () => h?.close());
beforeEach(async () => {
  await h.reset();
  // Each test starts without a token in the shared client's cache.
  await h.simulator('/tokens/expire', {});
});

it('ten concurrent callers cause exactly one token request', async () => {
  // A fresh client: nothing cached, so all ten race for a token at once.
  const client = h.clientWith({});
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => client.stkPush(h.pushRequest(`07123456${String(i).padStart(2, '0')}`))));
  expect(results.every((r) => r.kind === 'accepted')).toBe(true);
  const truth = await h.groundTruth();
  expect(truth.tokenRequests).toBe(1);
  expect(truth.pushes.filter((p) => p.outcome === 'accepted')).toHaveLength(10);
});

it('reuses the cached token across calls', async () => {
  const client = h.clientWith({});
  for (let i = 0; i < 3; i++) expect((await client.stkPush(h.pushRequest('254708374149'))).kind).toBe('accepted');
  expect((await h.groundTruth()).tokenRequests).toBe(1);
});

it('on 404.001.03 fetches a new token and retries the push once', async () => {
  const client = h.clientWith({});
  expect((await client.stkPush(h.pushRequest('254708374149'))).kind).toBe('accepted');
  await h.simulator('/tokens/expire', {});
  expect((await client.stkPush(h.pushRequest('254708374149', { accountReference: 'AFTER-EXPIRY' }))).kind).toBe('accepted');
  const truth = await h.groundTruth();
  expect(truth.tokenRequests).toBe(2);
  expect(truth.pushes.map((p) => [p.outcome, p.errorCode, p.accountReference])).toEqual([
    ['accepted', null, expect.any(String)],
    ['refused', '404.001.03', 'AFTER-EXPIRY'],
    ['accepted', null, 'AFTER-EXPIRY'],
  ]);
  expect(truth.acceptedPushesByAccountReference['AFTER-EXPIRY']).toBe(1);
});

it('on 404.001.03 during a query fetches a new token and asks once more', async () => {
  const client = h.clientWith({});
  const push = await client.stkPush(h.pushRequest('254700000102'));
  if (push.kind !== 'accepted') throw new Error('push not accepted');
  await h.callbacks.waitFor(push.checkoutRequestId);
  await h.simulator('/tokens/expire', {});
  await expect(client.stkQuery(push.checkoutRequestId)).resolves.toEqual({ kind: 'final', resultCode: '1032', resultDesc: 'Request cancelled by user' });
  const truth = await h.groundTruth();
  expect(truth.tokenRequests).toBe(2);
  // The refused query is not counted: it never got past the token check.
  expect(truth.queriesByCheckoutRequestId[push.checkoutRequestId]).toBe(1);
});

it('refreshes a token before it expires, so Daraja never refuses it', async () => {
  // A 2 s token: the client refreshes once half of it is gone (the minute margin would exceed its life).
  await h.simulator('/settings', { tokenTtlSeconds: 2 });
  const client = h.clientWith({});
  expect((await client.stkPush(h.pushRequest('254708374149'))).kind).toBe('accepted');
  expect((await client.stkPush(h.pushRequest('254708374149'))).kind).toBe('accepted');
  expect((await h.groundTruth()).tokenRequests).toBe(1);
  await sleep(1300);
  expect((await client.stkPush(h.pushRequest('254708374149'))).kind).toBe('accepted');
  const truth = await h.groundTruth();
  expect(truth.tokenRequests).toBe(2);
  expect(truth.pushes.some((p) => p.errorCode === '404.001.03')).toBe(false);
});

it('accepts expires_in as a number', async () => {
  await h.simulator('/settings', { expiresInAsNumber: true });
  const oauth = await fetch(`${h.simulatorUrl}/oauth/v1/generate?grant_type=client_credentials`, {
    headers: { Authorization: `Basic ${Buffer.from(`${h.config.mpesa.consumerKey}:${h.config.mpesa.consumerSecret}`).toString('base64')}` },
  });
  expect(typeof ((await oauth.json()) as { expires_in: unknown }).expires_in).toBe('number');
  const client = h.clientWith({});
  expect((await client.stkPush(h.pushRequest('254708374149'))).kind).toBe('accepted');
  expect((await client.stkPush(h.pushRequest('254708374149'))).kind).toBe('accepted');
  expect((await h.groundTruth()).tokenRequests).toBe(2); // ours above, and the client's one
});

it('survives Daraja revoking a token when another process fetches a new one', async () => {
  await h.simulator('/settings', { newTokenRevokesOld: true });
  const [worker, api] = [h.clientWith({}), h.clientWith({})];
  expect((await worker.stkPush(h.pushRequest('254708374149'))).kind).toBe('accepted');
  expect((await api.stkPush(h.pushRequest('254708374149'))).kind).toBe('accepted'); // revokes the worker's token
  expect((await worker.stkPush(h.pushRequest('254708374149', { accountReference: 'REVOKED' }))).kind).toBe('accepted');
  const truth = await h.groundTruth();
  expect(truth.tokenRequests).toBe(3);
  expect(truth.pushes.filter((p) => p.accountReference === 'REVOKED').map((p) => p.errorCode)).toEqual(['404.001.03', null]);
});

it('bad consumer credentials give a token error and push nothing', async () => {
  const client = h.clientWith({ consumerSecret: 'not-the-secret' });
  await expect(client.stkPush(h.pushRequest('254708374149'))).resolves.toEqual({
    kind: 'error',
    errorClass: 'token',
    httpStatus: 400,
    errorCode: '400.008.01',
    errorMessage: 'Invalid Authentication passed',
  });
  await expect(client.stkQuery('ws_CO_1')).resolves.toMatchObject({ kind: 'error', errorClass: 'token', errorCode: '400.008.01' });
  const truth = await h.groundTruth();
  expect(truth.pushes).toHaveLength(0);
  expect(truth.tokensIssued).toBe(0);
});

it('a wrong passkey is refused permanently as Wrong credentials, a wrong shortcode as an unknown merchant', async () => {
  await expect(h.clientWith({ passkey: 'wrong' }).stkPush(h.pushRequest('254708374149'))).resolves.toMatchObject({
    kind: 'error',
    errorClass: 'permanent',
    errorCode: '500.001.1001',
    errorMessage: 'Wrong credentials',
  });
  await expect(h.clientWith({ shortcode: '600000' }).stkPush(h.pushRequest('254708374149'))).resolves.toMatchObject({
    kind: 'error',
    errorClass: 'permanent',
    errorMessage: 'Merchant does not exist',
  });
});
