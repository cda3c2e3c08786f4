import type { MpesaConfig } from '../config/app-config';
import { DarajaRequestError } from './daraja-request.error';
import type { StkPushRequest } from './daraja.types';
import { buildStkPushBody } from './stk-push-body.builder';
import { stkPassword } from './stk-password';

const mpesa = {
  shortcode: '174379',
  passkey: 'bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919',
  transactionType: 'CustomerPayBillOnline',
  partyB: '174379',
} as MpesaConfig;

const request = (changes: Partial<StkPushRequest> = {}): StkPushRequest => ({
  phoneNumber: '0708 374 149',
  amount: 1000,
  accountReference: 'REF-1',
  transactionDesc: 'Referral fee',
  callbackUrl: 'https://example.test/api/stk-callback/token',
  ...changes,
});

describe('buildStkPushBody', () => {
  it('sends exactly the eleven documented fields with one Timestamp', () => {
    const body = buildStkPushBody(mpesa, request(), new Date('2021-06-28T06:24:08Z'));
    expect(Object.keys(body).sort()).toEqual(
      ['AccountReference', 'Amount', 'BusinessShortCode', 'CallBackURL', 'PartyA', 'PartyB', 'Password', 'PhoneNumber', 'Timestamp', 'TransactionDesc', 'TransactionType'].sort(),
    );
    expect(body).toMatchObject({
      BusinessShortCode: '174379',
      Timestamp: '20210628092408',
      Password: stkPassword('174379', mpesa.passkey, '20210628092408'),
      TransactionType: 'CustomerPayBillOnline',
      Amount: 1000,
      PartyA: '254708374149',
      PartyB: '174379',
      PhoneNumber: '254708374149',
      AccountReference: 'REF-1',
      TransactionDesc: 'Referral fee',
    });
  });

  it('cuts AccountReference to 12 and TransactionDesc to 13 characters', () => {
    const body = buildStkPushBody(mpesa, request({ accountReference: 'ABCDEFGHIJKLMNOP', transactionDesc: 'Payment for referral 42' }));
    expect(body.AccountReference).toBe('ABCDEFGHIJKL');
    expect(body.TransactionDesc).toBe('Payment for r');
  });

  it('never sends an empty TransactionDesc (Daraja answers Invalid Remarks)', () => {
    expect(buildStkPushBody(mpesa, request({ transactionDesc: '  ' })).TransactionDesc).toBe('REF-1');
  });

  it.each<[string, Partial<StkPushRequest>]>([
    ['phoneNumber', { phoneNumber: '0208374149' }],
    ['phoneNumber', { phoneNumber: undefined as unknown as string }],
    ['amount', { amount: 0 }],
    ['amount', { amount: 250_001 }],
    ['amount', { amount: 10.5 }],
    ['amount', { amount: Number.NaN }],
    ['amount', { amount: '100' as unknown as number }],
    ['accountReference', { accountReference: '   ' }],
    ['callbackUrl', { callbackUrl: 'not a url' }],
    ['callbackUrl', { callbackUrl: 'ftp://example.test/cb' }],
  ])('refuses a bad %s before anything is sent', (field, changes) => {
    let thrown: unknown;
    try {
      buildStkPushBody(mpesa, request(changes));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DarajaRequestError);
    expect((thrown as DarajaRequestError).field).toBe(field);
  });

  it('accepts both ends of the amount range', () => {
    expect(buildStkPushBody(mpesa, request({ amount: 1 })).Amount).toBe(1);
    expect(buildStkPushBody(mpesa, request({ amount: 250_000 })).Amount).toBe(250_000);
  });
});
