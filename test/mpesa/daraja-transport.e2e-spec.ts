// The client's connection handling and hygiene: refused connections, kept-alive sockets, input refused
// before sending, and logs free of secrets and full phone numbers.
import { DarajaHttpTransport } from '../../src/mpesa/daraja-http.transport';
import { DarajaRequestError } from '../../src/mpesa/daraja-request.error';
import { freePort, startSimulatorHarness, SimulatorHarness } from './support/simulator-harness';

let h: SimulatorHarness;
beforeAll(async () => {
  h = await startSimulatorHarness();
});
afterAll(async () => h?.close());
beforeEach(async () => h.reset());

it('a connection refused before sending is retryable (push) and indeterminate (query)', async () => {
  const nobody = h.clientWith({ baseUrl: `http://127.0.0.1:${await freePort()}/simulator` });
  await expect(nobody.stkPush(h.pushRequest('254708374149'))).resolves.toMatchObject({
    kind: 'error',
    errorClass: 'retryable',
    httpStatus: null,
    errorCode: 'ECONNREFUSED',
  });
  await expect(nobody.stkQuery('ws_CO_1')).resolves.toMatchObject({ kind: 'error', errorClass: 'indeterminate', httpStatus: null });
});

it('keeps the connection alive across calls', async () => {
  const before = h.connections.count;
  for (let i = 0; i < 10; i++) expect((await h.client.stkPush(h.pushRequest('254708374149'))).kind).toBe('accepted');
  // Eleven requests at most (a token and ten pushes), sent one after another over at most two new
  // connections: undici frees a fresh socket one macrotask after its first answer, so a request sent
  // at once after that answer opens a second one; from then on the two are reused.
  expect(h.connections.count - before).toBeLessThanOrEqual(2);
});

it.each([
  ['a landline', { phoneNumber: '0202123456' }, 'phoneNumber'],
  ['a decimal amount', { amount: 99.5 }, 'amount'],
  ['a zero amount', { amount: 0 }, 'amount'],
  ['an amount above 250,000', { amount: 250_001 }, 'amount'],
  ['an empty reference', { accountReference: ' ' }, 'accountReference'],
])('refuses %s before any request is made', async (_label, changes, field) => {
  const error = await h.client.stkPush(h.pushRequest('254708374149', changes)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DarajaRequestError);
  expect((error as DarajaRequestError).field).toBe(field);
  const truth = await h.groundTruth();
  expect(truth.pushes).toHaveLength(0);
  expect(truth.tokenRequests).toBe(0);
});

it('never logs a secret, a token, a Password or a full phone number', async () => {
  await h.simulator('/tokens/expire', {});
  h.logs.lines.length = 0;
  const tokens: string[] = [];
  const realSend = DarajaHttpTransport.prototype.send;
  // Watch the OAuth answers go by, to know which token values must never appear in the logs.
  const spy = jest.spyOn(DarajaHttpTransport.prototype, 'send').mockImplementation(async function (this: DarajaHttpTransport, ...args) {
    const response = await realSend.apply(this, args);
    if (args[1].includes('/oauth/') && response.status === 200) tokens.push((response.body as { access_token: string }).access_token);
    return response;
  });
  try {
    await h.client.stkPush(h.pushRequest('254708374149'));
    await h.client.stkPush(h.pushRequest('254700000101'));
    await h.client.stkPush(h.pushRequest('254700000331'));
    await h.simulator('/tokens/expire', {});
    await h.client.stkPush(h.pushRequest('254700000501'));
    await h.clientWith({ consumerSecret: 'bad-secret' }).stkPush(h.pushRequest('254712345678'));
  } finally {
    spy.mockRestore();
  }
  const { consumerKey, consumerSecret, passkey, shortcode } = h.config.mpesa;
  const all = h.logs.lines.join('\n');
  expect(tokens.length).toBeGreaterThanOrEqual(2);
  expect(all).toMatch(/\*{9}149/); // masked numbers are logged, so the check below is meaningful
  for (const secret of [consumerKey, consumerSecret, 'bad-secret', passkey, ...tokens]) expect(all).not.toContain(secret);
  expect(all).not.toContain(Buffer.from(`${shortcode}${passkey.slice(0, 12)}`).toString('base64').slice(0, 16)); // any Password
  expect(all).not.toMatch(/254[17]\d{8}/);
  expect(all).not.toMatch(/Basic |Bearer /);
});
