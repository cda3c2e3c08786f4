import { nairobiTimestamp, stkCredentials, stkPassword } from './stk-password';

describe('STK Password and Timestamp', () => {
  it('matches the public sandbox test vector in DARAJA.md', () => {
    expect(stkPassword('174379', 'bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919', '20210628092408')).toBe(
      'MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkzMDU5YjEwZjc4ZTZiNzJhZGExZWQyYzkxOTIwMjEwNjI4MDkyNDA4',
    );
  });

  it.each([
    ['2021-06-28T06:24:08Z', '20210628092408'],
    // 21:00 UTC is already the next day in Nairobi (UTC+3).
    ['2024-03-31T20:59:59Z', '20240331235959'],
    ['2024-03-31T21:00:00Z', '20240401000000'],
    ['2024-12-31T21:30:05Z', '20250101003005'],
    // Just after UTC midnight it is 03:00 in Nairobi, same date.
    ['2024-07-01T00:00:01Z', '20240701030001'],
    ['2024-02-28T22:15:00Z', '20240229011500'],
  ])('formats %s as %s in Nairobi time', (utc, expected) => {
    expect(nairobiTimestamp(new Date(utc))).toBe(expected);
  });

  it('does not depend on the machine time zone', () => {
    const saved = process.env.TZ;
    try {
      for (const tz of ['America/New_York', 'Asia/Tokyo', 'UTC']) {
        process.env.TZ = tz;
        expect(nairobiTimestamp(new Date('2024-12-31T21:30:05Z'))).toBe('20250101003005');
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('builds Password from the same Timestamp it returns', () => {
    const at = new Date('2021-06-28T06:24:08Z');
    const { Password, Timestamp } = stkCredentials('174379', 'bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919', at);
    expect(Timestamp).toBe('20210628092408');
    expect(Buffer.from(Password, 'base64').toString()).toBe(`174379bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919${Timestamp}`);
  });
});
