import { neutraliseCell } from './report-csv';
import { accountNumberText, headerKey, parseMoney, parseStatementTime, unmaskedPhone } from './statement-values';

describe('statement values', () => {
  it.each([
    ['1,000.00', 1000],
    ['1000', 1000],
    ['850060.0', 850060],
    ['12,345,678.00', 12345678],
    ['-15.00', -15],
    ['(50.00)', -50],
    ['KES 2,500.00', 2500],
    [' 1 000.00 ', 1000],
    [1000, 1000],
    [1000.0000000001, 1000],
  ])('reads %p as %p KES', (raw, value) => {
    expect(parseMoney(raw)).toEqual({ value, problem: null });
  });

  it.each([['10.50'], ['1,000.01'], [10.5], ['1,00,0.00'], ['abc'], ['1.000,00']])('refuses %p rather than rounding it', (raw) => {
    const money = parseMoney(raw);
    expect(money.value).toBeNull();
    expect(money.problem).toEqual(expect.any(String));
  });

  it('treats an empty cell as no amount', () => {
    expect(parseMoney('')).toEqual({ value: null, problem: null });
    expect(parseMoney(null)).toEqual({ value: null, problem: null });
  });

  it('reads EAT times, Excel serials and date cells as UTC', () => {
    expect(parseStatementTime('01-06-2026 19:36:04')).toBe('2026-06-01T16:36:04.000Z');
    expect(parseStatementTime('01/06/2026 00:00:00')).toBe('2026-05-31T21:00:00.000Z');
    expect(parseStatementTime('2026-06-01 19:36')).toBe('2026-06-01T16:36:00.000Z');
    // 46174.8167129… is 2026-06-01 19:36:04 as an Excel serial.
    expect(parseStatementTime(46174 + (19 * 3600 + 36 * 60 + 4) / 86400)).toBe('2026-06-01T16:36:04.000Z');
    expect(parseStatementTime(new Date('2026-06-01T19:36:04Z'))).toBe('2026-06-01T16:36:04.000Z');
    expect(parseStatementTime('31-02-2026 10:00:00')).toBeNull();
    expect(parseStatementTime('yesterday')).toBeNull();
    expect(parseStatementTime(12)).toBeNull();
  });

  it('compares headers without case, spacing or punctuation', () => {
    expect(headerKey('Receipt No.')).toBe(headerKey('  RECEIPT  NO '));
    expect(headerKey('A/C No.')).toBe('acno');
  });

  it('takes a phone only when it is shown whole', () => {
    expect(unmaskedPhone('254712345678 - JANE DOE')).toBe('254712345678');
    expect(unmaskedPhone('0712345678 - JANE DOE')).toBe('254712345678');
    expect(unmaskedPhone('25471****678 - JANE ****')).toBeNull();
    expect(unmaskedPhone('174379 - ACME LTD')).toBeNull();
    expect(unmaskedPhone(null)).toBeNull();
  });

  it("drops Excel's .0 from a numeric account number", () => {
    expect(accountNumberText(850060)).toBe('850060');
    expect(accountNumberText('850060.0')).toBe('850060');
    expect(accountNumberText('PAY34KM4')).toBe('PAY34KM4');
  });

  it.each(['=1+2', '+1', '-1', '@SUM(A1)', '\tx', '\rx'])('neutralises %p against formula injection', (cell) => {
    expect(neutraliseCell(cell)).toBe(`'${cell}`);
  });

  it('leaves other cells alone', () => {
    expect(neutraliseCell("25471****678 - =cmd|' /C calc'!A0")).toBe("25471****678 - =cmd|' /C calc'!A0");
  });
});
