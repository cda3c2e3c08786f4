// The client against the simulator's faults: lost, duplicated, late and early callbacks, refused
// pushes, answers that never come, and queries that keep saying "processing".
import type { StkPushResult, StkQueryResult } from '../../src/mpesa/daraja.types';
import { sleep, startSimulatorHarness, SimulatorHarness } from './support/simulator-harness';

let h: SimulatorHarness;
beforeAll(async () => {
  h = await startSimulatorHarness();
});
afterAll(async () => h?.close());
beforeEach(async () => h.reset());

function accepted(result: StkPushResult): Extract<StkPushResult, { kind: 'accepted' }> {
  if (result.kind !== 'accepted') throw new Error(`push not accepted: ${JSON.stringify(result)}`);
  return result;
}

/** Queries until the answer is final, keeping every answer; the limit only turns a hang into a failure. */
async function queryUntilFinal(checkoutRequestId: string, limitMs = 15_000): Promise<StkQueryResult[]> {
  const answers: StkQueryResult[] = [];
  const deadline = Date.now() + limitMs;
  for (;;) {
    const answer = await h.client.stkQuery(checkoutRequestId);
    answers.push(answer);
    if (answer.kind === 'final') return answers;
    if (Date.now() > deadline) throw new Error(`still not final: ${JSON.stringify(answers.slice(-3))}`);
    await sleep(25);
  }
}

describe('callback faults', () => {
  it('callback never sent: the query still reports the payment', async () => {
    const push = accepted(await h.client.stkPush(h.pushRequest('254700000201')));
    const answers = await queryUntilFinal(push.checkoutRequestId);
    expect(answers.at(-1)).toMatchObject({ kind: 'final', resultCode: '0' });
    const truth = await h.groundTruth();
    expect(truth.transactions[0]).toMatchObject({ status: 'completed', callbacks: [] });
    expect(truth.callbacksSent).toBe(0);
    expect(h.callbacks.for(push.checkoutRequestId)).toHaveLength(0);
  });

  it('callback sent twice: two identical bodies arrive', async () => {
    const push = accepted(await h.client.stkPush(h.pushRequest('254700000202')));
    const [first, second] = await h.callbacks.waitFor(push.checkoutRequestId, 2);
    expect(second.body).toEqual(first.body);
    expect(first.body.Body.stkCallback.ResultCode).toBe(0);
    expect((await h.groundTruth()).transactions[0].callbacks).toHaveLength(2);
  });

  it('callback late: the query is final before the callback arrives, which then still comes', async () => {
    const push = accepted(await h.client.stkPush(h.pushRequest('254700000203')));
    const answers = await queryUntilFinal(push.checkoutRequestId);
    expect(answers.at(-1)).toMatchObject({ kind: 'final', resultCode: '0' });
    expect(h.callbacks.for(push.checkoutRequestId)).toHaveLength(0);
    const [callback] = await h.callbacks.waitFor(push.checkoutRequestId);
    expect(callback.body.Body.stkCallback.ResultCode).toBe(0);
  });

  it('callback before the push answer: it has arrived when stkPush returns', async () => {
    const push = accepted(await h.client.stkPush(h.pushRequest('254700000204')));
    const arrived = h.callbacks.for(push.checkoutRequestId);
    expect(arrived).toHaveLength(1);
    expect(arrived[0].body.Body.stkCallback.MerchantRequestID).toBe(push.merchantRequestId);
  });
});

describe('refused pushes', () => {
  it.each([
    ['spike arrest', '254700000311', '500.003.02', 'Error Occurred: Spike Arrest Violation', undefined],
    ['system busy', '254700000321', '500.003.02', 'System is busy. Please try again in few minutes.', undefined],
    ['lock subscriber', '254700000331', '500.001.1001', 'Unable to lock subscriber, a transaction is already in process for the current subscriber', 60_000],
    ['quota violation', '254700000341', '500.003.03', 'Quota Violation', undefined],
    ['internal error', '254700000351', '500.003.1001', 'Internal Server Error', undefined],
  ])('%s on the first try is retryable, and the next try is accepted', async (_label, phone, errorCode, errorMessage, retryAfterMs) => {
    const request = h.pushRequest(phone);
    const first = await h.client.stkPush(request);
    expect(first).toEqual({ kind: 'error', errorClass: 'retryable', httpStatus: 500, errorCode, errorMessage, ...(retryAfterMs ? { retryAfterMs } : {}) });
    const second = accepted(await h.client.stkPush(request));
    await h.callbacks.waitFor(second.checkoutRequestId);

    const truth = await h.groundTruth();
    expect(truth.pushes.map((p) => [p.outcome, p.errorCode])).toEqual([
      ['refused', errorCode],
      ['accepted', null],
    ]);
    expect(truth.acceptedPushesByPhone).toEqual({ [phone]: 1 });
  });

  it('refuses as many times as the number says (3K2: twice)', async () => {
    const request = h.pushRequest('254700000312');
    const results = [await h.client.stkPush(request), await h.client.stkPush(request), await h.client.stkPush(request)];
    expect(results.map((r) => (r.kind === 'error' ? r.errorClass : r.kind))).toEqual(['retryable', 'retryable', 'accepted']);
  });

  it('counts tries per AccountReference: a new payment starts over', async () => {
    expect((await h.client.stkPush(h.pushRequest('254700000311', { accountReference: 'A' }))).kind).toBe('error');
    expect((await h.client.stkPush(h.pushRequest('254700000311', { accountReference: 'B' }))).kind).toBe('error');
    expect((await h.client.stkPush(h.pushRequest('254700000311', { accountReference: 'A' }))).kind).toBe('accepted');
  });

  it('3K0 refuses forever', async () => {
    const request = h.pushRequest('254700000340');
    for (let i = 0; i < 4; i++) {
      await expect(h.client.stkPush(request)).resolves.toMatchObject({ kind: 'error', errorClass: 'retryable', errorCode: '500.003.03' });
    }
    expect((await h.groundTruth()).transactions).toHaveLength(0);
  });

  it.each([
    ['254700000401', 'Merchant does not exist'],
    ['254700000402', 'Wrong credentials'],
  ])('%s is refused permanently: %s', async (phone, errorMessage) => {
    await expect(h.client.stkPush(h.pushRequest(phone))).resolves.toEqual({
      kind: 'error',
      errorClass: 'permanent',
      httpStatus: 500,
      errorCode: '500.001.1001',
      errorMessage,
    });
  });
});

describe('push answers that never come', () => {
  it.each([
    ['never answered', '254700000501'],
    ['answered after the client timeout', '254700000502'],
  ])('%s: indeterminate, yet the simulator took the push and the callback arrives', async (_label, phone) => {
    const result = await h.client.stkPush(h.pushRequest(phone, { accountReference: 'LOST-ANSWER' }));
    expect(result).toMatchObject({ kind: 'error', errorClass: 'indeterminate', httpStatus: null, errorCode: 'TIMEOUT' });

    const truth = await h.groundTruth();
    expect(truth.acceptedPushesByPhone).toEqual({ [phone]: 1 });
    expect(truth.acceptedPushesByAccountReference).toEqual({ 'LOST-ANSWER': 1 });
    const { checkoutRequestId } = truth.transactions[0];
    const [callback] = await h.callbacks.waitFor(checkoutRequestId);
    expect(callback.body.Body.stkCallback.ResultCode).toBe(0);
    await expect(h.client.stkQuery(checkoutRequestId)).resolves.toMatchObject({ kind: 'final', resultCode: '0' });
  });
});

describe('queries before the result is in', () => {
  it.each([
    ['HTTP 500 "being processed"', '254700000601'],
    ['HTTP 200 ResultCode 4999', '254700000602'],
  ])('%s reads as processing until final; every query is counted', async (_label, phone) => {
    const push = accepted(await h.client.stkPush(h.pushRequest(phone)));
    const answers = await queryUntilFinal(push.checkoutRequestId);
    expect(answers[0]).toEqual({ kind: 'processing' });
    expect(answers.slice(0, -1).every((a) => a.kind === 'processing')).toBe(true);
    expect(answers.at(-1)).toEqual({ kind: 'final', resultCode: '0', resultDesc: 'The service request is processed successfully.' });
    const truth = await h.groundTruth();
    expect(truth.queriesByCheckoutRequestId[push.checkoutRequestId]).toBe(answers.length);
    await h.callbacks.waitFor(push.checkoutRequestId);
  });

  it('a spike-arrested query is indeterminate, not a failure', async () => {
    const push = accepted(await h.client.stkPush(h.pushRequest('254700000603')));
    await expect(h.client.stkQuery(push.checkoutRequestId)).resolves.toMatchObject({
      kind: 'error',
      errorClass: 'indeterminate',
      httpStatus: 500,
      errorCode: '500.003.02',
    });
    await h.callbacks.waitFor(push.checkoutRequestId);
    await expect(h.client.stkQuery(push.checkoutRequestId)).resolves.toMatchObject({ kind: 'final', resultCode: '0' });
  });

  it('an unknown CheckoutRequestID is a permanent error', async () => {
    await expect(h.client.stkQuery('ws_CO_000000000000000000000000')).resolves.toEqual({
      kind: 'error',
      errorClass: 'permanent',
      httpStatus: 400,
      errorCode: '400.002.02',
      errorMessage: 'Bad Request - Invalid CheckoutRequestID',
    });
  });
});
