import { scrubText, scrubValue } from './log-scrubber';

describe('log scrubber', () => {
  it.each([
    ['payment for 254708374149 failed', 'payment for *********149 failed'],
    ['call 0712345678 now', 'call *******678 now'],
    ['+254712345678', '**********678'],
    ['2541100000003', '2541100000003'], // 13 digits: not a phone
    ['GET /api/payments/by-phone/254712345678?x=1', 'GET /api/payments/by-phone/*********678?x=1'],
    ['POST /api/stk-callback/s3cr3t-token-value', 'POST /api/stk-callback/[REDACTED]'],
    ['ws_CO_2211202601080049777567017', 'ws_CO_2211202601080049777567017'],
    ['amount 1000 KES', 'amount 1000 KES'],
    ['GET /api/payments/by-phone/%2B254712345678', 'GET /api/payments/by-phone/**********678'],
    ['GET /api/payments/by-phone/+254%20712%20345%20678', 'GET /api/payments/by-phone/**********678'],
    ['GET /api/payments/by-phone/0712-345-678', 'GET /api/payments/by-phone/*******678'],
    ['call 0712 345 678 or +254 712 345 678', 'call *******678 or **********678'],
    ['?phoneNumber=0712%2D345%2D678&x=1', '?phoneNumber=*******678&x=1'],
    ['?phoneNumber=+254+712+345+678', '?phoneNumber=**********678'],
    ['GET /api/payments/by-phone/%200712345678%20', 'GET /api/payments/by-phone/%20*******678%20'],
    ['2026-11-21 10:21:15', '2026-11-21 10:21:15'],
    ['POST /API/STK-CALLBACK/s3cr3t-token-value', 'POST /API/STK-CALLBACK/[REDACTED]'],
    // Nest's route line keeps its comma.
    ['Mapped {/api/stk-callback/:token, POST} route', 'Mapped {/api/stk-callback/[REDACTED], POST} route'],
  ])('%s', (input, expected) => {
    expect(scrubText(input)).toBe(expected);
  });

  it('keeps the last three digits of any phone form', () => {
    for (const phone of ['254712345678', '0712345678', '712345678', '+254712345678', '254112345678']) {
      const out = scrubText(`x ${phone} y`);
      expect(out).not.toContain(phone.slice(-9, -3));
      expect(out).toMatch(/678 y$/);
    }
  });

  it('removes secrets by field name and masks phones in nested fields, numbers included', () => {
    const scrubbed = scrubValue({
      headers: { authorization: 'Bearer abc', 'x-api-key': 'k' },
      body: { PhoneNumber: 254708374149, items: [{ Name: 'PhoneNumber', Value: 254708374149 }], Password: 'pw', passkey: 'pk' },
      msg: 'to 0708374149',
      amount: 1000,
    });
    expect(JSON.stringify(scrubbed)).not.toMatch(/708374|Bearer abc|"pw"|"pk"/);
    expect(scrubbed).toMatchObject({ headers: { authorization: '[REDACTED]', 'x-api-key': '[REDACTED]' }, amount: 1000 });
  });

  it('removes webhook secrets from any text', () => {
    expect(scrubText('insert failed: params ["https://x", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw+/a=="]')).toBe('insert failed: params ["https://x", "whsec_[REDACTED]"]');
  });

  it('scrubs error messages and stacks', () => {
    const out = scrubValue({ err: new Error('no answer for 0712345678') }) as { err: { message: string } };
    expect(out.err.message).toBe('no answer for *******678');
  });
});
