// The simulator's Daraja checks and answers, seen as raw HTTP (the client never sends most of these).
import { stkCredentials } from '../../src/mpesa/stk-password';
import type { JsonBody } from './support/callback-receiver';
import { sleep, startSimulatorHarness, SimulatorHarness } from './support/simulator-harness';

let h: SimulatorHarness;
let token: string;

beforeAll(async () => {
  h = await startSimulatorHarness();
});
afterAll(async () => h?.close());
beforeEach(async () => {
  await h.reset();
  token = (await oauth()).body.access_token;
});

const basic = () => `Basic ${Buffer.from(`${h.config.mpesa.consumerKey}:${h.config.mpesa.consumerSecret}`).toString('base64')}`;

async function oauth(grant = 'client_credentials', authorization = basic()) {
  const response = await fetch(`${h.simulatorUrl}/oauth/v1/generate?grant_type=${grant}`, { headers: { Authorization: authorization } });
  return { status: response.status, body: (await response.json()) as JsonBody };
}

async function post(path: string, body: unknown, bearer: string | null = token) {
  const response = await fetch(`${h.simulatorUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as JsonBody };
}

function pushBody(changes: Record<string, unknown> = {}): Record<string, unknown> {
  const { shortcode, passkey } = h.config.mpesa;
  return {
    BusinessShortCode: shortcode,
    ...stkCredentials(shortcode, passkey),
    TransactionType: 'CustomerPayBillOnline',
    Amount: 1,
    PartyA: '254708374149',
    PartyB: shortcode,
    PhoneNumber: '254708374149',
    CallBackURL: h.callbackUrl(),
    AccountReference: 'REF',
    TransactionDesc: 'Fee',
    ...changes,
  };
}

const push = (body: unknown, bearer?: string | null) => post('/mpesa/stkpush/v1/processrequest', body, bearer);
const query = (checkoutRequestId: unknown, changes: Record<string, unknown> = {}) =>
  post('/mpesa/stkpushquery/v1/query', {
    BusinessShortCode: h.config.mpesa.shortcode,
    ...stkCredentials(h.config.mpesa.shortcode, h.config.mpesa.passkey),
    CheckoutRequestID: checkoutRequestId,
    ...changes,
  });

const envelope = (errorCode: string, errorMessage: string) => ({ requestId: expect.stringMatching(/^\d+-\d+-\d$/), errorCode, errorMessage });

describe('OAuth', () => {
  it('issues an opaque token with expires_in as a string', async () => {
    const { status, body } = await oauth();
    expect(status).toBe(200);
    expect(body).toEqual({ access_token: expect.stringMatching(/^\S{20,}$/), expires_in: '3599' });
  });

  it('refuses a bad grant type and bad credentials with Daraja envelopes', async () => {
    expect(await oauth('password')).toEqual({ status: 400, body: envelope('400.008.02', 'Invalid grant type passed') });
    expect(await oauth('client_credentials', `Basic ${Buffer.from('a:b').toString('base64')}`)).toEqual({
      status: 400,
      body: envelope('400.008.01', 'Invalid Authentication passed'),
    });
    expect((await h.groundTruth()).tokenRequests).toBe(3);
  });
});

describe('STK Push checks', () => {
  it('accepts a correct push with all-string values', async () => {
    const { status, body } = await push(pushBody());
    expect(status).toBe(200);
    expect(body).toEqual({
      MerchantRequestID: expect.any(String),
      CheckoutRequestID: expect.stringMatching(/^ws_CO_\d+$/),
      ResponseCode: '0',
      ResponseDescription: 'Success. Request accepted for processing',
      CustomerMessage: 'Success. Request accepted for processing',
    });
  });

  it.each([
    ['no token', null],
    ['an unknown token', 'not-a-token'],
  ])('answers HTTP 404 404.001.03 for %s', async (_label, bearer) => {
    expect(await push(pushBody(), bearer)).toEqual({ status: 404, body: envelope('404.001.03', 'Invalid Access Token') });
  });

  it('answers 404.001.03 for an expired token', async () => {
    await h.simulator('/tokens/expire', {});
    expect((await push(pushBody())).body.errorCode).toBe('404.001.03');
  });

  it.each<[string, Record<string, unknown>]>([
    ['BusinessShortCode', { BusinessShortCode: 'abc' }],
    ['Password', { Password: '' }],
    ['Timestamp', { Timestamp: '2021-06-28' }],
    ['Timestamp', { Timestamp: '20211328092408' }],
    ['TransactionType', { TransactionType: 'CustomerPayBill' }],
    ['Amount', { Amount: 0 }],
    ['Amount', { Amount: 1.5 }],
    ['Amount', { Amount: 250_001 }],
    ['PartyA', { PartyA: '0708374149' }],
    ['PartyB', { PartyB: 'till' }],
    ['PhoneNumber', { PhoneNumber: '254208374149' }],
    ['CallBackURL', { CallBackURL: 'not a url' }],
    ['AccountReference', { AccountReference: '' }],
    ['AccountReference', { AccountReference: 'ABCDEFGHIJKLM' }],
    ['TransactionDesc', { TransactionDesc: 'ABCDEFGHIJKLMN' }],
    ['Remarks', { TransactionDesc: undefined }],
    ['Remarks', { TransactionDesc: '' }],
    ['Channel', { Channel: 'web' }],
  ])('answers 400.002.02 Bad Request - Invalid %s', async (field, changes) => {
    expect(await push(pushBody(changes))).toEqual({ status: 400, body: envelope('400.002.02', `Bad Request - Invalid ${field}`) });
  });

  it('answers Wrong credentials for a bad Password, or one built from another Timestamp', async () => {
    const { shortcode, passkey } = h.config.mpesa;
    const other = stkCredentials(shortcode, passkey, new Date(Date.now() - 60_000));
    for (const changes of [{ Password: Buffer.from('nope').toString('base64') }, { Password: other.Password }]) {
      expect(await push(pushBody(changes))).toEqual({ status: 500, body: envelope('500.001.1001', 'Wrong credentials') });
    }
  });

  it('answers Merchant does not exist for another shortcode', async () => {
    expect(await push(pushBody({ BusinessShortCode: '600000' }))).toEqual({ status: 500, body: envelope('500.001.1001', 'Merchant does not exist') });
  });

  it('records refused pushes in the ground truth with their error', async () => {
    await push(pushBody({ Amount: 0 }));
    await push(pushBody());
    const truth = await h.groundTruth();
    expect(truth.pushes.map((p) => [p.outcome, p.httpStatus, p.errorCode])).toEqual([
      ['refused', 400, '400.002.02'],
      ['accepted', 200, null],
    ]);
    expect(truth.transactions).toHaveLength(1);
  });
});

describe('STK Push Query answers', () => {
  it('answers a final transaction with a string ResultCode and Daraja\'s "successsfully"', async () => {
    const { body: accepted } = await push(pushBody({ PartyA: '254700000102', PhoneNumber: '254700000102' }));
    await h.callbacks.waitFor(accepted.CheckoutRequestID);
    expect(await query(accepted.CheckoutRequestID)).toEqual({
      status: 200,
      body: {
        ResponseCode: '0',
        ResponseDescription: 'The service request has been accepted successsfully',
        MerchantRequestID: accepted.MerchantRequestID,
        CheckoutRequestID: accepted.CheckoutRequestID,
        ResultCode: '1032',
        ResultDesc: 'Request cancelled by user',
      },
    });
  });

  it('says "processing" as HTTP 500 for 601 and as ResultCode 4999 for 602', async () => {
    const slow500 = (await push(pushBody({ PartyA: '254700000601', PhoneNumber: '254700000601' }))).body.CheckoutRequestID;
    const slow4999 = (await push(pushBody({ PartyA: '254700000602', PhoneNumber: '254700000602' }))).body.CheckoutRequestID;
    expect(await query(slow500)).toEqual({ status: 500, body: envelope('500.001.1001', 'The transaction is being processed') });
    expect(await query(slow4999)).toEqual({
      status: 200,
      body: { ResponseCode: '0', ResultCode: '4999', ResultDesc: 'The transaction is still under processing' },
    });
    expect((await h.groundTruth()).queriesByCheckoutRequestId).toEqual({ [slow500]: 1, [slow4999]: 1 });
  });

  it('says 1032 "cancelled" to queries for a paid composed-7 number, whose late callback then brings the receipt', async () => {
    const phone = '254700100701';
    const { body: accepted } = await push(pushBody({ PartyA: phone, PhoneNumber: phone }));
    await sleep(300); // final after the normal delay (100 ms); its callback comes only after the late delay (1 s)
    expect((await query(accepted.CheckoutRequestID)).body).toMatchObject({ ResultCode: '1032', ResultDesc: 'Request cancelled by user' });
    expect(h.callbacks.for(accepted.CheckoutRequestID)).toEqual([]);
    const [callback] = await h.callbacks.waitFor(accepted.CheckoutRequestID);
    expect(callback.body.Body.stkCallback).toMatchObject({ ResultCode: 0, CallbackMetadata: { Item: expect.arrayContaining([{ Name: 'MpesaReceiptNumber', Value: expect.stringMatching(/^[A-Z0-9]{10}$/) }]) } });
  });

  it('keeps a composed-8 prompt "processing" until the payment expiry has passed', async () => {
    const phone = '254700100801';
    const { body: accepted } = await push(pushBody({ PartyA: phone, PhoneNumber: phone }));
    await sleep(1200); // past the late delay too: only PAYMENT_EXPIRY_S + 5 s ends it
    expect(await query(accepted.CheckoutRequestID)).toEqual({ status: 500, body: envelope('500.001.1001', 'The transaction is being processed') });
    expect(h.callbacks.for(accepted.CheckoutRequestID)).toEqual([]);
  });

  it('answers 400 Invalid CheckoutRequestID for an unknown id and checks its own fields', async () => {
    expect(await query('ws_CO_unknown')).toEqual({ status: 400, body: envelope('400.002.02', 'Bad Request - Invalid CheckoutRequestID') });
    expect(await query('')).toEqual({ status: 400, body: envelope('400.002.02', 'Bad Request - Invalid CheckoutRequestID') });
    expect(await query('ws_CO_1', { Password: 'bad' })).toEqual({ status: 500, body: envelope('500.001.1001', 'Wrong credentials') });
    expect(await query('ws_CO_1', { Amount: 1 })).toEqual({ status: 400, body: envelope('400.002.02', 'Bad Request - Invalid Amount') });
  });
});

describe('the simulator itself', () => {
  it('answers an unknown path with 404.001.01 and a wrong method with 405.001', async () => {
    expect(await h.simulator('/mpesa/nothing/v1')).toEqual({ status: 404, body: envelope('404.001.01', 'Resource not found') });
    expect(await h.simulator('/mpesa/stkpush/v1/processrequest')).toEqual({ status: 405, body: envelope('405.001', 'Method Not Allowed') });
  });

  it('lists its scenario numbers', async () => {
    const { body } = await h.simulator('/scenarios');
    expect(body).toEqual(expect.arrayContaining([
      { phoneNumber: '254700000000', name: 'success', resultCode: '0' },
      { phoneNumber: '254700000102', name: 'cancelled', resultCode: '1032' },
      expect.objectContaining({ phoneNumber: '254700000331', name: 'lock-subscriber-x1' }),
    ]));
  });

  it('refuses unknown settings and resets to a clean state', async () => {
    expect((await h.simulator('/settings', { tokenTtlSeconds: 0 })).status).toBe(400);
    expect((await h.simulator('/settings', { colour: 'blue' })).status).toBe(400);
    await push(pushBody());
    expect((await h.groundTruth()).transactions).toHaveLength(1);
    expect(await h.simulator('/reset', {})).toEqual({ status: 200, body: { reset: true } });
    const truth = await h.groundTruth();
    expect(truth).toMatchObject({ tokenRequests: 0, pushes: [], transactions: [], callbacksSent: 0 });
    // Tokens outlive a reset, as Daraja's do.
    expect((await push(pushBody())).status).toBe(200);
  });
});
