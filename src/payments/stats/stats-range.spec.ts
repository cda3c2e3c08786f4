import { splitStatsRange, StatsSegment } from './stats-range';

const d = (iso: string) => new Date(iso);
const show = (segments: StatsSegment[]) =>
  segments.map((s) => `${s.source}:${s.from ? s.from.toISOString() : '-'}..${s.to ? s.to.toISOString() : '-'}`);

describe('splitStatsRange', () => {
  it('answers an open range from the daily table alone', () => {
    expect(show(splitStatsRange(null, null))).toEqual(['daily:-..-']);
  });

  it('uses whole days, then whole hours, then raw minutes at each edge', () => {
    expect(show(splitStatsRange(d('2026-11-01T10:30:00Z'), d('2026-11-05T02:15:00Z')))).toEqual([
      'raw:2026-11-01T10:30:00.000Z..2026-11-01T11:00:00.000Z',
      'hourly:2026-11-01T11:00:00.000Z..2026-11-02T00:00:00.000Z',
      'daily:2026-11-02T00:00:00.000Z..2026-11-05T00:00:00.000Z',
      'hourly:2026-11-05T00:00:00.000Z..2026-11-05T02:00:00.000Z',
      'raw:2026-11-05T02:00:00.000Z..2026-11-05T02:15:00.000Z',
    ]);
  });

  it('needs no edge pieces for day-aligned bounds', () => {
    expect(show(splitStatsRange(d('2026-11-01T00:00:00Z'), d('2026-11-03T00:00:00Z')))).toEqual([
      'daily:2026-11-01T00:00:00.000Z..2026-11-03T00:00:00.000Z',
    ]);
  });

  it('handles open ends', () => {
    expect(show(splitStatsRange(d('2026-11-01T23:00:00Z'), null))).toEqual([
      'hourly:2026-11-01T23:00:00.000Z..2026-11-02T00:00:00.000Z',
      'daily:2026-11-02T00:00:00.000Z..-',
    ]);
    expect(show(splitStatsRange(null, d('2026-11-02T00:30:00Z')))).toEqual([
      'daily:-..2026-11-02T00:00:00.000Z',
      'raw:2026-11-02T00:00:00.000Z..2026-11-02T00:30:00.000Z',
    ]);
  });

  it('stays within one day when no whole day fits, even across a midnight', () => {
    expect(show(splitStatsRange(d('2026-11-01T22:10:00Z'), d('2026-11-02T01:20:00Z')))).toEqual([
      'raw:2026-11-01T22:10:00.000Z..2026-11-01T23:00:00.000Z',
      'hourly:2026-11-01T23:00:00.000Z..2026-11-02T01:00:00.000Z',
      'raw:2026-11-02T01:00:00.000Z..2026-11-02T01:20:00.000Z',
    ]);
    expect(show(splitStatsRange(d('2026-11-01T10:10:00Z'), d('2026-11-01T11:50:00Z')))).toEqual([
      'raw:2026-11-01T10:10:00.000Z..2026-11-01T11:00:00.000Z',
      'raw:2026-11-01T11:00:00.000Z..2026-11-01T11:50:00.000Z',
    ]);
    expect(show(splitStatsRange(d('2026-11-01T10:10:00Z'), d('2026-11-01T10:20:00Z')))).toEqual([
      'raw:2026-11-01T10:10:00.000Z..2026-11-01T10:20:00.000Z',
    ]);
  });

  it('is empty for an empty range', () => {
    expect(splitStatsRange(d('2026-11-02T00:00:00Z'), d('2026-11-02T00:00:00Z'))).toEqual([]);
  });

  it('covers every instant exactly once (random ranges)', () => {
    for (let i = 0; i < 5000; i++) {
      const a = Date.UTC(2026, 0, 1) + Math.floor(Math.random() * 20 * 86400_000);
      const span = [3600_000, 2 * 3600_000, 86400_000, 5 * 86400_000][i % 4];
      const b = a + Math.floor(Math.random() * span) + 1;
      const segments = splitStatsRange(new Date(a), new Date(b));
      const bounded = segments.map((s) => [s.from!.getTime(), s.to!.getTime()]);
      expect(bounded[0][0]).toBe(a);
      expect(bounded[bounded.length - 1][1]).toBe(b);
      for (let k = 1; k < bounded.length; k++) expect(bounded[k][0]).toBe(bounded[k - 1][1]);
      for (const s of segments) {
        if (s.source === 'raw') expect(s.to!.getTime() - s.from!.getTime()).toBeLessThanOrEqual(3600_000);
        if (s.source === 'hourly') expect(s.from!.getTime() % 3600_000).toBe(0);
        if (s.source === 'daily') expect(s.from!.getTime() % 86400_000).toBe(0);
      }
    }
  });
});
