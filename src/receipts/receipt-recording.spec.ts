import { receiptFromCallback, StoredCallback, strongerReceipt } from '../database/migrations/1796167200000-receipts';
import { mergeVerdicts, ReceiptVerdict } from './receipt-recording';

const verdict = (receipt: string, state: ReceiptVerdict['state'], callbackId: string): ReceiptVerdict => ({
  receipt,
  amount: 1000,
  phoneNumber: '254712345678',
  checkoutRequestId: 'ws_CO_1',
  paidAt: '20261121102115',
  state,
  reason: null,
  paymentId: state === 'applied' ? 'p1' : null,
  referralId: null,
  callbackId,
});

describe('mergeVerdicts (one change per receipt per batch)', () => {
  it("keeps a batch's last word on a receipt", () => {
    expect(mergeVerdicts([verdict('A', 'unmatched', 'c1'), verdict('B', 'review', 'c2'), verdict('A', 'dismissed', 'c3')])).toEqual([verdict('A', 'dismissed', 'c3'), verdict('B', 'review', 'c2')]);
  });

  it('never lets a later verdict take an applied receipt off its payment', () => {
    expect(mergeVerdicts([verdict('A', 'applied', 'c1'), verdict('A', 'review', 'c2')])).toEqual([verdict('A', 'applied', 'c1')]);
  });
});

describe('receiptFromCallback (the migration backfill)', () => {
  const body = (receipt: string | null, resultCode = 0) =>
    JSON.stringify({
      Body: {
        stkCallback: {
          MerchantRequestID: 'm',
          CheckoutRequestID: 'ws_CO_1',
          ResultCode: resultCode,
          ResultDesc: 'x',
          CallbackMetadata: { Item: [{ Name: 'Amount', Value: 1000 }, ...(receipt ? [{ Name: 'MpesaReceiptNumber', Value: receipt }] : []), { Name: 'PhoneNumber', Value: 254712345678 }] },
        },
      },
    });
  const row = (over: Partial<StoredCallback>): StoredCallback => ({ id: 'c1', state: 'review', note: null, confirmation: null, payment_id: null, raw_body: body('R1'), received_at: new Date(0), ...over });

  it('maps callback states and notes to receipt states', () => {
    expect(receiptFromCallback(row({ state: 'review', note: 'refund-due: paid twice', payment_id: 'p1' }), null)).toMatchObject({ state: 'refund-due', paymentId: 'p1' });
    expect(receiptFromCallback(row({ state: 'review', note: 'Amount mismatch' }), null)).toMatchObject({ state: 'review', reason: 'Amount mismatch' });
    expect(receiptFromCallback(row({ state: 'dismissed', note: 'forged' }), null)).toMatchObject({ state: 'dismissed' });
    expect(receiptFromCallback(row({ state: 'unmatched', confirmation: 'known', note: 'confirmed by Daraja, but …' }), null)).toMatchObject({ state: 'unmatched', phoneNumber: '254712345678' });
    expect(receiptFromCallback(row({ state: 'duplicate' }), { id: 'p9' })).toMatchObject({ state: 'applied', paymentId: 'p9' });
  });

  it('leaves out what is not a judged receipt', () => {
    expect(receiptFromCallback(row({ state: 'unmatched', confirmation: 'needed' }), null)).toBeNull();
    expect(receiptFromCallback(row({ state: 'unmatched', confirmation: 'known', note: 'waiting for the answer of an STK push' }), null)).toBeNull();
    expect(receiptFromCallback(row({ raw_body: body('R1', 1032) }), null)).toBeNull();
    expect(receiptFromCallback(row({ raw_body: body(null) }), null)).toBeNull();
    expect(receiptFromCallback(row({ raw_body: 'not json' }), null)).toBeNull();
  });

  it('keeps the strongest verdict on one receipt number, with the earliest time', () => {
    const a = receiptFromCallback(row({ state: 'unmatched', confirmation: 'known', received_at: new Date(1000) }), null)!;
    const b = receiptFromCallback(row({ state: 'review', received_at: new Date(2000) }), null)!;
    expect(strongerReceipt(a, b)).toMatchObject({ state: 'review', createdAt: new Date(1000) });
  });
});
