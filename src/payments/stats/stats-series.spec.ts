import { DomainError } from '../../common/domain-error';
import { parseTimeRange } from '../../common/time-range';
import { MAX_SERIES_POINTS, seriesWindow, SeriesInterval } from './stats-series';

const NOW = new Date('2026-11-15T10:20:30.000Z');
const show = (from: string | undefined, to: string | undefined, interval: SeriesInterval) => {
  const w = seriesWindow(parseTimeRange(from, to), interval, NOW);
  return { from: w.from.toISOString(), to: w.to.toISOString(), first: w.first.toISOString(), points: w.points };
};
const refusal = (from: string | undefined, to: string | undefined, interval: SeriesInterval) => {
  try {
    seriesWindow(parseTimeRange(from, to), interval, NOW);
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, message: error.message, fields: (error.details.fields as { field: string }[]).map((f) => f.field) };
  }
  throw new Error('expected a refusal');
};

describe('seriesWindow', () => {
  it('defaults to the last 30 days, today included, or the last 48 hours, this hour included', () => {
    expect(show(undefined, undefined, 'day')).toEqual({ from: '2026-10-17T00:00:00.000Z', to: '2026-11-16T00:00:00.000Z', first: '2026-10-17T00:00:00.000Z', points: 30 });
    expect(show(undefined, undefined, 'hour')).toEqual({ from: '2026-11-13T11:00:00.000Z', to: '2026-11-15T11:00:00.000Z', first: '2026-11-13T11:00:00.000Z', points: 48 });
  });

  it('counts back from `to` when only `to` is given, and ends at the current interval when only `from` is', () => {
    expect(show(undefined, '2026-11-30', 'day')).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', first: '2026-11-01T00:00:00.000Z', points: 30 });
    expect(show(undefined, '2026-11-30T05:30Z', 'hour')).toEqual({ from: '2026-11-28T06:00:00.000Z', to: '2026-11-30T05:30:00.000Z', first: '2026-11-28T06:00:00.000Z', points: 48 });
    expect(show('2026-11-10', undefined, 'day')).toEqual({ from: '2026-11-10T00:00:00.000Z', to: '2026-11-16T00:00:00.000Z', first: '2026-11-10T00:00:00.000Z', points: 6 });
  });

  it('gives a partial interval at either end its own point', () => {
    expect(show('2026-11-01T10:30Z', '2026-11-01T12:15Z', 'hour')).toEqual({ from: '2026-11-01T10:30:00.000Z', to: '2026-11-01T12:15:00.000Z', first: '2026-11-01T10:00:00.000Z', points: 3 });
    expect(show('2026-11-01T10:30Z', '2026-11-03T00:00Z', 'day').points).toBe(2);
    expect(show('2026-11-01T10:30Z', '2026-11-01T10:30Z', 'day').points).toBe(0);
  });

  it('takes 744 points and refuses 745, naming from and to', () => {
    expect(show('2026-01-01', '2026-01-31', 'hour').points).toBe(MAX_SERIES_POINTS);
    expect(refusal('2026-01-01', '2026-02-01T00:00:01Z', 'hour')).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'from and to span 745 hours, and a series has at most 744 points: narrow the range or ask for interval=day',
      fields: ['from', 'to'],
    });
    expect(show('2024-01-01', '2026-01-13', 'day').points).toBe(MAX_SERIES_POINTS);
    expect(refusal('0001-01-01', '9999-12-31', 'day').message).toMatch(/^from and to span 3652059 days/);
  });

  it('refuses a `from` after the default `to`, saying what `to` was', () => {
    expect(refusal('2026-12-01', undefined, 'day')).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'from must not be after to (without to, the series ends with the current day, 2026-11-16T00:00:00.000Z)',
      fields: ['from'],
    });
  });
});
