// Every Pull Transactions variant DARAJA.md lists.
import { parsePullQueryAnswer, parsePullRegisterAnswer, parsePullRow, pullDate, pullDateToIso } from './pull-answer.parser';

const row = (changes: Record<string, unknown> = {}) => ({
  transactionId: 'UF1AB2CD3E',
  trxDate: '2026-06-01T19:36:04+03:00',
  msisdn: 254712345678,
  sender: 'JANE  WANJIKU MWANGI',
  transactiontype: 'c2b-pay-bill-debit',
  billreference: 'RF8K2M4Q',
  amount: '450.00',
  organizationname: 'ACME LTD',
  ...changes,
});

describe('parsePullRegisterAnswer', () => {
  it('reads the status with spaced keys or plain ones, as a string or a number', () => {
    expect(parsePullRegisterAnswer({ ResponseRefID: 'r1', 'Response Status': '1000', 'Response Description': 'Shortcode registered' })).toEqual({ status: '1000', description: 'Shortcode registered', refId: 'r1' });
    expect(parsePullRegisterAnswer({ RequestID: 'r2', ResponseStatus: 1001, ResponseDescription: 'Shortcode already registered' })).toEqual({ status: '1001', description: 'Shortcode already registered', refId: 'r2' });
    expect(parsePullRegisterAnswer(null)).toEqual({ status: null, description: '', refId: null });
  });
});

describe('parsePullQueryAnswer', () => {
  it('reads Response as an array of arrays', () => {
    const answer = parsePullQueryAnswer({ ResponseRefID: 'ref', ResponseCode: '1000', ResponseMessage: 'Success', Response: [[row(), row({ transactionId: 'UF1AB2CD3F' })]] });
    expect(answer).toMatchObject({ responseCode: '1000', message: 'Success', refId: 'ref', totalPages: null });
    expect(answer.rows.map((r) => r.transactionId)).toEqual(['UF1AB2CD3E', 'UF1AB2CD3F']);
  });

  it('reads a flat Response list, several inner arrays, and a single row object', () => {
    expect(parsePullQueryAnswer({ ResponseCode: 1000, Response: [row(), row({ transactionId: 'B' })] }).rows).toHaveLength(2);
    expect(parsePullQueryAnswer({ ResponseCode: '1000', Response: [[row()], [row({ transactionId: 'B' })]] }).rows).toHaveLength(2);
    expect(parsePullQueryAnswer({ ResponseCode: '1000', Response: row() }).rows).toHaveLength(1);
  });

  it('takes RequestID (the live sandbox) for ResponseRefID, spaced keys and TotalPages', () => {
    const answer = parsePullQueryAnswer({ RequestID: 'sandbox-1', 'Response Code': '1000', TotalPages: '3', Response: [[row()]] });
    expect(answer).toMatchObject({ refId: 'sandbox-1', responseCode: '1000', totalPages: 3 });
  });

  it('reads 1001 with no Response at all as no rows', () => {
    expect(parsePullQueryAnswer({ ResponseRefID: 'x', ResponseCode: '1001', ResponseMessage: 'No records found' })).toEqual({ responseCode: '1001', message: 'No records found', refId: 'x', rows: [], totalPages: null });
  });

  it('skips rows without a transactionId rather than failing the page', () => {
    expect(parsePullQueryAnswer({ ResponseCode: '1000', Response: [[row(), { amount: '1.00' }, 'junk']] }).rows).toHaveLength(1);
  });
});

describe('parsePullRow', () => {
  it('normalises the row: amount as a number, msisdn as text, date in UTC', () => {
    expect(parsePullRow(row())).toEqual({
      transactionId: 'UF1AB2CD3E', trxDate: '2026-06-01T19:36:04+03:00', paidAt: '2026-06-01T16:36:04.000Z', msisdn: '254712345678',
      sender: 'JANE WANJIKU MWANGI', transactionType: 'c2b-pay-bill-debit', billReference: 'RF8K2M4Q', amount: 450, organizationName: 'ACME LTD',
    });
  });

  it('keeps short or masked msisdns as sent, an empty billreference as null, a Z date', () => {
    const parsed = parsePullRow(row({ msisdn: '2547****678', billreference: '', trxDate: '2026-06-01T16:36:04Z' }));
    expect(parsed).toMatchObject({ msisdn: '2547****678', billReference: null, paidAt: '2026-06-01T16:36:04.000Z' });
    expect(parsePullRow(row({ msisdn: 712345678 }))?.msisdn).toBe('712345678');
    expect(parsePullRow(row({ amount: 'n/a' }))?.amount).toBeNull();
  });
});

describe('dates', () => {
  it('writes and reads Nairobi wall-clock times', () => {
    expect(pullDate(new Date('2026-06-01T15:00:00Z'))).toBe('2026-06-01 18:00:00');
    expect(pullDateToIso('2026-06-01 18:00:00')).toBe('2026-06-01T15:00:00.000Z');
    expect(pullDateToIso('garbage')).toBeNull();
  });
});
