import { EARLIEST_INSTANT, LATEST_INSTANT, parseDateFilter, parseTimeRange } from './time-range';

const instant = (value: string) => {
  const parsed = parseDateFilter(value, 'from');
  return parsed.ok ? parsed.instant.toISOString() : parsed.message;
};

describe('date filters', () => {
  it('reads dates and date-times in UTC unless an offset says otherwise', () => {
    expect(instant('2026-11-01')).toBe('2026-11-01T00:00:00.000Z');
    expect(instant('2026-11-01T10:30')).toBe('2026-11-01T10:30:00.000Z');
    expect(instant('2026-11-01T10:30:15.1234Z')).toBe('2026-11-01T10:30:15.123Z');
    expect(instant('2026-11-01T10:30:00+03:00')).toBe('2026-11-01T07:30:00.000Z');
    expect(instant('2026-11-01T10:30:00-0130')).toBe('2026-11-01T12:00:00.000Z');
    expect(instant('2026-11-01T10:30:00+03')).toBe('2026-11-01T07:30:00.000Z');
    expect(instant('2026-11-01T10:30:00 03:00')).toBe('2026-11-01T07:30:00.000Z'); // an unencoded "+"
  });

  it('takes the first and last instants of four-digit years, and nothing beyond', () => {
    expect(instant('0001-01-01')).toBe('0001-01-01T00:00:00.000Z');
    expect(Date.parse(instant('0001-01-01'))).toBe(EARLIEST_INSTANT);
    expect(Date.parse(instant('9999-12-31T23:59:59.999Z'))).toBe(LATEST_INSTANT);
    for (const outside of ['0000-12-31', '0001-01-01T00:00:00+00:01', '9999-12-31T23:59:59-00:01', '+010000-01-01', '-000001-01-01']) {
      expect(instant(outside)).toBe('from must be between 0001-01-01 and 9999-12-31 (UTC)');
    }
  });

  it('knows the calendar, leap years of the Gregorian rule included', () => {
    expect(instant('2024-02-29')).toBe('2024-02-29T00:00:00.000Z');
    expect(instant('2000-02-29')).toBe('2000-02-29T00:00:00.000Z');
    for (const unreal of ['2026-02-29', '1900-02-29', '2026-04-31', '2026-00-10', '2026-13-01', '2026-01-01T24:00', '2026-01-01T10:60', '2026-01-01T10:00:60Z', '2026-01-01T10:00+24:00']) {
      expect(instant(unreal)).toBe('from is not a real date and time of day');
    }
  });

  it('refuses forms it would have to guess at', () => {
    for (const form of ['2026-W01', '2026-001', '20260101', '2026-01', '2026', '2026-01-01T10', 'yesterday', '', ' 2026-01-01', 2026, ['2026-01-01']]) {
      expect(instant(form as string)).toMatch(/^from must be a date \(YYYY-MM-DD\)/);
    }
  });

  it('makes a plain `to` date take its whole day, up to the very last one', () => {
    expect(parseTimeRange('2026-11-01', '2026-11-30')).toEqual({ from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') });
    expect(parseTimeRange(undefined, '9999-12-31').to!.getTime()).toBe(LATEST_INSTANT + 1);
    expect(() => parseTimeRange('2026-02-01', '2026-01-01')).toThrow('from must not be after to');
  });
});
