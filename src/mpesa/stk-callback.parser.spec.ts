import { CallbackParseError, extractCheckoutRequestId, parseStkCallback, transactionDateToIso } from './stk-callback.parser';

const success = () => ({
  Body: {
    stkCallback: {
      MerchantRequestID: '29115-34620561-1',
      CheckoutRequestID: 'ws_CO_191220191020363925',
      ResultCode: 0,
      ResultDesc: 'The service request is processed successfully.',
      CallbackMetadata: {
        Item: [
          { Name: 'Amount', Value: 1.0 },
          { Name: 'MpesaReceiptNumber', Value: 'NLJ7RT61SV' },
          { Name: 'Balance' },
          { Name: 'TransactionDate', Value: 20191219102115 },
          { Name: 'PhoneNumber', Value: 254708374149 },
        ],
      },
    },
  },
});

const failure = (ResultCode: unknown, ResultDesc = 'Request cancelled by user') => ({
  Body: { stkCallback: { MerchantRequestID: '29115-34620561-1', CheckoutRequestID: 'ws_CO_191220191020363925', ResultCode, ResultDesc } },
});

describe('parseStkCallback', () => {
  it('reads the documented success callback, Balance without Value included', () => {
    expect(parseStkCallback(success())).toEqual({
      merchantRequestId: '29115-34620561-1',
      checkoutRequestId: 'ws_CO_191220191020363925',
      resultCode: '0',
      resultDesc: 'The service request is processed successfully.',
      amount: 1,
      mpesaReceiptNumber: 'NLJ7RT61SV',
      transactionDate: '20191219102115',
      phoneNumber: '254708374149',
    });
  });

  it('reads items by Name, whatever their order, and Balance with a Value', () => {
    const body = success();
    body.Body.stkCallback.CallbackMetadata.Item.reverse();
    (body.Body.stkCallback.CallbackMetadata.Item as { Name: string; Value?: unknown }[]).push({ Name: 'Balance', Value: 100 });
    expect(parseStkCallback(body)).toMatchObject({ amount: 1, mpesaReceiptNumber: 'NLJ7RT61SV', phoneNumber: '254708374149' });
  });

  it('reads the raw body as a string or Buffer', () => {
    const raw = JSON.stringify(success());
    expect(parseStkCallback(raw).checkoutRequestId).toBe('ws_CO_191220191020363925');
    expect(parseStkCallback(Buffer.from(raw)).resultCode).toBe('0');
  });

  it('reads a failure without CallbackMetadata (ResultCode as a number)', () => {
    expect(parseStkCallback(failure(1032))).toEqual({
      merchantRequestId: '29115-34620561-1',
      checkoutRequestId: 'ws_CO_191220191020363925',
      resultCode: '1032',
      resultDesc: 'Request cancelled by user',
      amount: null,
      mpesaReceiptNumber: null,
      transactionDate: null,
      phoneNumber: null,
    });
  });

  it.each([
    ['SFC_IC0003', 'SFC_IC0003'],
    ['1032', '1032'],
    [1, '1'],
  ])('reads ResultCode %p as %p', (raw, expected) => {
    expect(parseStkCallback(failure(raw, 'The operator does not exist.')).resultCode).toBe(expected);
  });

  it('reads numbers sent as strings and keeps a masked phone as null', () => {
    const body = success();
    body.Body.stkCallback.CallbackMetadata.Item = [
      { Name: 'Amount', Value: '1000' as unknown as number },
      { Name: 'TransactionDate', Value: '20240710091526' as unknown as number },
      { Name: 'PhoneNumber', Value: '2547******149' as unknown as number },
    ];
    expect(parseStkCallback(body)).toMatchObject({ amount: 1000, transactionDate: '20240710091526', phoneNumber: null, mpesaReceiptNumber: null });
  });

  it.each([
    ['null', null],
    ['a number', 42],
    ['an array', []],
    ['not JSON', '{"Body":'],
    ['no Body', { stkCallback: {} }],
    ['no stkCallback', { Body: {} }],
    ['no CheckoutRequestID', { Body: { stkCallback: { MerchantRequestID: 'm', ResultCode: 0, ResultDesc: 'x' } } }],
    ['an empty CheckoutRequestID', { Body: { stkCallback: { MerchantRequestID: 'm', CheckoutRequestID: ' ', ResultCode: 0, ResultDesc: 'x' } } }],
    ['no MerchantRequestID', { Body: { stkCallback: { CheckoutRequestID: 'ws_CO_1', ResultCode: 0, ResultDesc: 'x' } } }],
    ['no ResultCode', { Body: { stkCallback: { MerchantRequestID: 'm', CheckoutRequestID: 'ws_CO_1', ResultDesc: 'x' } } }],
    ['a fractional ResultCode', failure(1.5)],
    ['a boolean ResultCode', failure(true)],
    ['Item not a list', { Body: { stkCallback: { ...failure(0).Body.stkCallback, CallbackMetadata: { Item: 'x' } } } }],
    ['an item without Name', { Body: { stkCallback: { ...failure(0).Body.stkCallback, CallbackMetadata: { Item: [{ Value: 1 }] } } } }],
    ['a non-numeric Amount', { Body: { stkCallback: { ...failure(0).Body.stkCallback, CallbackMetadata: { Item: [{ Name: 'Amount', Value: 'ten' }] } } } }],
    ['a TransactionDate that is an object', { Body: { stkCallback: { ...failure(0).Body.stkCallback, CallbackMetadata: { Item: [{ Name: 'TransactionDate', Value: { at: 1 } }] } } } }],
  ])('refuses %s with a CallbackParseError', (_label, body) => {
    expect(() => parseStkCallback(body)).toThrow(CallbackParseError);
  });

  it.each([
    ['a short number', 2019, '2019'],
    ['a date with separators', '2026-11-21 10:21:15', '2026-11-21 10:21:15'],
    ['an ISO string', '2026-11-21T10:21:15+03:00', '2026-11-21T10:21:15+03:00'],
  ])('keeps an unusual TransactionDate (%s) as received, with the receipt', (_label, value, kept) => {
    const body = success();
    const items = body.Body.stkCallback.CallbackMetadata.Item as { Name: string; Value?: unknown }[];
    items.find((i) => i.Name === 'TransactionDate')!.Value = value;
    expect(parseStkCallback(body)).toMatchObject({ transactionDate: kept, mpesaReceiptNumber: 'NLJ7RT61SV' });
  });

  it('keeps a receipt of any length, and reads a numeric one as its digits', () => {
    const body = success();
    const items = body.Body.stkCallback.CallbackMetadata.Item as { Name: string; Value?: unknown }[];
    items.find((i) => i.Name === 'MpesaReceiptNumber')!.Value = 'X'.repeat(60);
    expect(parseStkCallback(body).mpesaReceiptNumber).toBe('X'.repeat(60));
    items.find((i) => i.Name === 'MpesaReceiptNumber')!.Value = 1234567890;
    expect(parseStkCallback(body).mpesaReceiptNumber).toBe('1234567890');
  });

  it('names the missing part in its message', () => {
    expect(() => parseStkCallback({ Body: {} })).toThrow('Invalid STK callback: Body.stkCallback is missing');
  });
});

describe('transactionDateToIso', () => {
  it('reads the documented form as Nairobi time, and nothing else', () => {
    expect(transactionDateToIso('20191219102115')).toBe('2019-12-19T07:21:15.000Z');
    expect(transactionDateToIso('20190230102115')).toBeNull();
    expect(transactionDateToIso('2019-12-19 10:21:15')).toBeNull();
    expect(transactionDateToIso(null)).toBeNull();
  });
});

describe('extractCheckoutRequestId', () => {
  it('finds the id in an object or raw JSON, and returns null otherwise', () => {
    expect(extractCheckoutRequestId(success())).toBe('ws_CO_191220191020363925');
    expect(extractCheckoutRequestId(JSON.stringify(success()))).toBe('ws_CO_191220191020363925');
    expect(extractCheckoutRequestId('garbage')).toBeNull();
    expect(extractCheckoutRequestId({ Body: { stkCallback: {} } })).toBeNull();
  });
});
