// The client's reading of answers the simulator cannot easily produce; the rest is covered end to end.
import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { DarajaHttpResponse, DarajaHttpTransport, DarajaTransportError } from './daraja-http.transport';
import { DarajaRequestError } from './daraja-request.error';
import { DarajaTokenCache, DarajaTokenError } from './daraja-token.cache';
import { DarajaClient } from './daraja.client';

const config = {
  mpesa: {
    shortcode: '174379',
    passkey: 'passkey',
    transactionType: 'CustomerPayBillOnline',
    partyB: '174379',
    consumerKey: 'k',
    consumerSecret: 's',
  },
} as AppConfig;

type Step = DarajaHttpResponse | DarajaTransportError;

/** Answers each POST with the next scripted step; the token cache is a stub handing out numbered tokens. */
function clientWith(steps: Step[], tokenFailure?: DarajaTokenError) {
  const sent: { path: string; token: string; body: unknown }[] = [];
  const transport = {
    send: async (_m: string, path: string, headers: Record<string, string>, body: unknown) => {
      sent.push({ path, token: headers.Authorization, body });
      const step = steps.shift();
      if (!step) throw new Error('unexpected request');
      if (step instanceof DarajaTransportError) throw step;
      return step;
    },
  } as unknown as DarajaHttpTransport;
  let issued = 0;
  const invalidated: string[] = [];
  let current: string | null = null;
  const tokens = {
    get: async () => {
      if (tokenFailure) throw tokenFailure;
      current ??= `t${++issued}`;
      return current;
    },
    invalidate: (token: string) => {
      invalidated.push(token);
      if (current === token) current = null;
    },
  } as unknown as DarajaTokenCache;
  return { client: new DarajaClient(config, tokens, transport), sent, invalidated };
}

const push = { phoneNumber: '0708374149', amount: 10, accountReference: 'R1', transactionDesc: 'Fee', callbackUrl: 'https://x.test/cb' };
const accepted = { status: 200, body: { MerchantRequestID: 'm1', CheckoutRequestID: 'ws_CO_1', ResponseCode: '0', CustomerMessage: 'Success. Request accepted for processing' } };
const invalidToken = { status: 404, body: { requestId: 'r', errorCode: '404.001.03', errorMessage: 'Invalid Access Token' } };

describe('DarajaClient', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('drops a refused token, sends the same push once more with a new one, and returns its answer', async () => {
    const { client, sent, invalidated } = clientWith([invalidToken, accepted]);
    await expect(client.stkPush(push)).resolves.toEqual({
      kind: 'accepted', merchantRequestId: 'm1', checkoutRequestId: 'ws_CO_1', customerMessage: 'Success. Request accepted for processing',
    });
    expect(invalidated).toEqual(['t1']);
    expect(sent.map((s) => s.token)).toEqual(['Bearer t1', 'Bearer t2']);
    expect(sent[1].body).toEqual(sent[0].body);
  });

  it('retries a refused token only once', async () => {
    const { client, sent } = clientWith([invalidToken, invalidToken]);
    await expect(client.stkPush(push)).resolves.toMatchObject({ kind: 'error', errorClass: 'token', httpStatus: 404, errorCode: '404.001.03' });
    expect(sent).toHaveLength(2);
  });

  it.each<[string, Step, string]>([
    ['a connection refused before sending', new DarajaTransportError(false, 'ECONNREFUSED', 'refused'), 'retryable'],
    ['a timeout after sending', new DarajaTransportError(true, 'TIMEOUT', 'timeout'), 'indeterminate'],
    ['a reset after sending', new DarajaTransportError(true, 'ECONNRESET', 'reset'), 'indeterminate'],
    ['a 504 without envelope', { status: 504, body: null }, 'indeterminate'],
    ['an unreadable 200', { status: 200, body: null }, 'indeterminate'],
    ['a 200 without CheckoutRequestID', { status: 200, body: { ResponseCode: '0', MerchantRequestID: 'm' } }, 'indeterminate'],
    ['a 200 with a non-zero ResponseCode', { status: 200, body: { ResponseCode: '1', ResponseDescription: 'Rejected' } }, 'permanent'],
    ['a 429', { status: 429, body: null }, 'retryable'],
  ])('classes a push that met %s as %s', async (_label, step, errorClass) => {
    const { client } = clientWith([step]);
    await expect(client.stkPush(push)).resolves.toMatchObject({ kind: 'error', errorClass });
  });

  it('passes token failures through with their class, nothing pushed', async () => {
    const bad = new DarajaTokenError({ errorClass: 'token', httpStatus: 400, errorCode: '400.008.01', errorMessage: 'Invalid Authentication passed' });
    const { client, sent } = clientWith([], bad);
    await expect(client.stkPush(push)).resolves.toMatchObject({ kind: 'error', errorClass: 'token', errorCode: '400.008.01' });
    expect(sent).toHaveLength(0);
  });

  it('refuses bad input before any request', async () => {
    const { client, sent } = clientWith([]);
    await expect(client.stkPush({ ...push, amount: 1.5 })).rejects.toBeInstanceOf(DarajaRequestError);
    await expect(client.stkQuery('  ')).rejects.toBeInstanceOf(DarajaRequestError);
    expect(sent).toHaveLength(0);
  });

  it.each<[string, Step, object]>([
    ['a final answer with a string code', { status: 200, body: { ResponseCode: '0', ResultCode: '1032', ResultDesc: 'Request cancelled by user' } }, { kind: 'final', resultCode: '1032', resultDesc: 'Request cancelled by user' }],
    ['a final answer with a number code', { status: 200, body: { ResponseCode: '0', ResultCode: 0, ResultDesc: 'ok' } }, { kind: 'final', resultCode: '0' }],
    ['ResultCode 4999', { status: 200, body: { ResponseCode: '0', ResultCode: '4999', ResultDesc: 'The transaction is still under processing' } }, { kind: 'processing' }],
    ['HTTP 500 being processed', { status: 500, body: { errorCode: '500.001.1001', errorMessage: 'The transaction is being processed' } }, { kind: 'processing' }],
    ['spike arrest', { status: 500, body: { errorCode: '500.003.02', errorMessage: 'Error Occurred: Spike Arrest Violation' } }, { kind: 'error', errorClass: 'indeterminate' }],
    ['quota', { status: 500, body: { errorCode: '500.003.03', errorMessage: 'Quota Violation' } }, { kind: 'error', errorClass: 'indeterminate' }],
    ['a 429', { status: 429, body: null }, { kind: 'error', errorClass: 'indeterminate' }],
    ['a 502', { status: 502, body: null }, { kind: 'error', errorClass: 'indeterminate' }],
    ['a network failure', new DarajaTransportError(false, 'ECONNREFUSED', 'refused'), { kind: 'error', errorClass: 'indeterminate', httpStatus: null }],
    ['an unknown CheckoutRequestID', { status: 400, body: { errorCode: '400.002.02', errorMessage: 'Bad Request - Invalid CheckoutRequestID' } }, { kind: 'error', errorClass: 'permanent' }],
    ['a 200 without ResultCode', { status: 200, body: { ResponseCode: '0' } }, { kind: 'error', errorClass: 'indeterminate' }],
  ])('reads a query that met %s', async (_label, step, expected) => {
    const { client, sent } = clientWith([step]);
    await expect(client.stkQuery('ws_CO_1')).resolves.toMatchObject(expected);
    expect(Object.keys(sent[0].body as object).sort()).toEqual(['BusinessShortCode', 'CheckoutRequestID', 'Password', 'Timestamp']);
  });

  it('reports an unreachable OAuth during a query as indeterminate', async () => {
    const down = new DarajaTokenError({ errorClass: 'retryable', httpStatus: null, errorCode: 'ECONNREFUSED', errorMessage: 'x' });
    const { client } = clientWith([], down);
    await expect(client.stkQuery('ws_CO_1')).resolves.toMatchObject({ kind: 'error', errorClass: 'indeterminate' });
  });
});
