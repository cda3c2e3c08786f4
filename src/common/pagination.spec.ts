import { decodeCursor, encodeCursor } from './pagination';

const raw = (text: string) => Buffer.from(text).toString('base64url');

describe('cursors', () => {
  it('round-trip a position: createdAt in microseconds and seq', () => {
    const position = { createdAtMicros: '1764620000123456', seq: '42' };
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(decodeCursor(cursor)).toEqual(position);
    expect(encodeCursor({ createdAtMicros: '253402300799999999', seq: '9223372036854775807' }).length).toBeLessThanOrEqual(64);
  });

  it('still read the s:<seq> form issued before', () => {
    expect(decodeCursor(raw('s:17'))).toEqual({ createdAtMicros: null, seq: '17' });
  });

  it('refuse what the service never issued, bigints and instants out of range included', () => {
    for (const text of ['s:9223372036854775808', 'c:1:9223372036854775808', 'c:253402300800000000:1', 'c:1764620000123456', 'c::1', 'x:1', 's:1 ', '']) {
      expect(() => decodeCursor(raw(text))).toThrow('cursor is not a cursor this service issued');
    }
    expect(decodeCursor(undefined)).toBeUndefined();
  });
});
