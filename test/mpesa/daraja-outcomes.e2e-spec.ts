// The client against the simulator over HTTP: each customer outcome, its callback as it arrives, and the query.
import { classifyResultCode, ResultReason } from '../../src/mpesa/result-codes';
import { parseStkCallback } from '../../src/mpesa/stk-callback.parser';
import type { StkPushResult } from '../../src/mpesa/daraja.types';
import { startSimulatorHarness, SimulatorHarness } from './support/simulator-harness';

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

describe('successful payments', () => {
  it.each([
    ['the sandbox test number', '254708374149', '254708374149'],
    ['any ordinary number, in local form', '0712 345 678', '254712345678'],
    ['a 2541 number', '+254 110 123 456', '254110123456'],
  ])('%s is paid, with a Daraja-shaped callback and a final query', async (_label, phone, msisdn) => {
    const push = accepted(await h.client.stkPush(h.pushRequest(phone, { amount: 1500, accountReference: 'REF-PAID' })));
    expect(push.checkoutRequestId).toMatch(/^ws_CO_\d{25}$/);
    expect(push.merchantRequestId).toMatch(/^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\d{4}$/);
    expect(push.customerMessage).toBe('Success. Request accepted for processing');

    const [callback] = await h.callbacks.waitFor(push.checkoutRequestId);
    expect(callback.path).toBe('/api/stk-callback/test');
    expect(callback.contentType).toMatch(/application\/json/);
    const stk = callback.body.Body.stkCallback;
    expect(Object.keys(stk)).toEqual(['MerchantRequestID', 'CheckoutRequestID', 'ResultCode', 'ResultDesc', 'CallbackMetadata']);
    expect(stk).toMatchObject({ MerchantRequestID: push.merchantRequestId, ResultCode: 0, ResultDesc: 'The service request is processed successfully.' });
    const items = stk.CallbackMetadata.Item as { Name: string; Value?: unknown }[];
    expect(items.map((i) => i.Name)).toEqual(['Amount', 'MpesaReceiptNumber', 'Balance', 'TransactionDate', 'PhoneNumber']);
    expect(items[2]).toEqual({ Name: 'Balance' }); // no Value key at all
    expect(items[0].Value).toBe(1500);
    expect(items[1].Value).toMatch(/^[A-Z][A-Z0-9]{9}$/);
    expect(typeof items[3].Value).toBe('number');
    expect(String(items[3].Value)).toMatch(/^20\d{12}$/);
    expect(items[4].Value).toBe(Number(msisdn));

    expect(parseStkCallback(callback.body)).toEqual({
      merchantRequestId: push.merchantRequestId,
      checkoutRequestId: push.checkoutRequestId,
      resultCode: '0',
      resultDesc: 'The service request is processed successfully.',
      amount: 1500,
      mpesaReceiptNumber: items[1].Value,
      transactionDate: String(items[3].Value),
      phoneNumber: msisdn,
    });
    await expect(h.client.stkQuery(push.checkoutRequestId)).resolves.toEqual({
      kind: 'final',
      resultCode: '0',
      resultDesc: 'The service request is processed successfully.',
    });

    const truth = await h.groundTruth();
    expect(truth.transactions).toEqual([
      expect.objectContaining({
        checkoutRequestId: push.checkoutRequestId,
        phoneNumber: msisdn,
        amount: 1500,
        accountReference: 'REF-PAID',
        status: 'completed',
        resultCode: '0',
        mpesaReceiptNumber: items[1].Value,
        queryCount: 1,
        callbacks: [expect.objectContaining({ httpStatus: 200 })],
      }),
    ]);
    expect(truth.acceptedPushesByPhone).toEqual({ [msisdn]: 1 });
    expect(truth.acceptedPushesByAccountReference).toEqual({ 'REF-PAID': 1 });
    expect(truth.callbacksSent).toBe(1);
    expect(truth.queriesByCheckoutRequestId).toEqual({ [push.checkoutRequestId]: 1 });
  });

  it('sends AccountReference cut to 12 and TransactionDesc cut to 13 characters', async () => {
    const push = accepted(
      await h.client.stkPush(h.pushRequest('254708374149', { accountReference: 'REFERRAL-000123456', transactionDesc: 'Referral fee for patient' })),
    );
    const truth = await h.groundTruth();
    const tx = truth.transactions.find((t) => t.checkoutRequestId === push.checkoutRequestId);
    expect(tx).toMatchObject({ accountReference: 'REFERRAL-000', transactionDesc: 'Referral fee ' });
  });
});

describe('failed payments', () => {
  it.each<[string, string, number | string, string, ResultReason]>([
    ['insufficient funds', '254700000101', 1, 'The balance is insufficient for the transaction.', 'insufficient-funds'],
    ['cancelled', '254700000102', 1032, 'Request cancelled by user', 'cancelled'],
    ['unreachable', '254700000103', 1037, 'DS timeout user cannot be reached', 'timeout'],
    ['wrong PIN', '254700000104', 2001, 'The initiator information is invalid.', 'wrong-pin'],
    ['expired', '254700000105', 1019, 'Transaction has expired', 'timeout'],
    ['rule limited', '254700000106', 17, 'Rule limited.', 'retryable'],
    ['push failed', '254700000107', 1025, 'An error occurred while sending a push request.', 'retryable'],
    ['operator missing (string code)', '254700000108', 'SFC_IC0003', 'The operator does not exist.', 'configuration'],
    ['PIN locked', '254700000109', 8006, 'The security credential is locked.', 'wrong-pin'],
  ])('%s: callback with four keys and ResultCode %p, query agrees', async (_label, phone, code, desc, reason) => {
    const push = accepted(await h.client.stkPush(h.pushRequest(phone)));
    const [callback] = await h.callbacks.waitFor(push.checkoutRequestId);
    const stk = callback.body.Body.stkCallback;
    expect(stk).toEqual({ MerchantRequestID: push.merchantRequestId, CheckoutRequestID: push.checkoutRequestId, ResultCode: code, ResultDesc: desc });

    const parsed = parseStkCallback(callback.body);
    expect(parsed).toMatchObject({ resultCode: String(code), amount: null, mpesaReceiptNumber: null, phoneNumber: null });
    expect(classifyResultCode(parsed.resultCode)).toMatchObject({ outcome: 'failed', reason });

    await expect(h.client.stkQuery(push.checkoutRequestId)).resolves.toEqual({ kind: 'final', resultCode: String(code), resultDesc: desc });
    const truth = await h.groundTruth();
    expect(truth.transactions).toEqual([
      expect.objectContaining({ checkoutRequestId: push.checkoutRequestId, status: 'failed', resultCode: String(code), mpesaReceiptNumber: null }),
    ]);
  });
});
