import { expiryMessage, formatDuration, MAX_QUERY_BACKOFF_MS, queryBackoffMs } from './reconcile-schedule';

describe('queryBackoffMs', () => {
  it('doubles from the base after each inconclusive query, up to 30 minutes', () => {
    const steps = [1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) => queryBackoffMs(n, 30_000));
    expect(steps).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_800_000, 1_800_000, 1_800_000]);
  });

  it('scales with the base (small in tests)', () => {
    expect([1, 2, 3, 4].map((n) => queryBackoffMs(n, 1000))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('treats 0 or fractions as the first step and never exceeds the cap', () => {
    expect(queryBackoffMs(0, 5000)).toBe(5000);
    expect(queryBackoffMs(2.7, 5000)).toBe(10_000);
    expect(queryBackoffMs(10_000, 30_000)).toBe(MAX_QUERY_BACKOFF_MS);
    expect(Number.isFinite(queryBackoffMs(Number.MAX_SAFE_INTEGER, 30_000))).toBe(true);
  });

  it('never waits less than the base, even when the base is above the cap', () => {
    expect(queryBackoffMs(1, 3_600_000)).toBe(3_600_000);
    expect(queryBackoffMs(5, 3_600_000)).toBe(3_600_000);
  });
});

describe('expiry text', () => {
  it('formats the expiry age readably', () => {
    expect(formatDuration(86400)).toBe('24 h');
    expect(formatDuration(3600)).toBe('1 h');
    expect(formatDuration(1800)).toBe('30 min');
    expect(formatDuration(90)).toBe('90 s');
    expect(formatDuration(3)).toBe('3 s');
  });

  it('says why nothing settled the payment', () => {
    expect(expiryMessage(86400, { kind: 'still-processing' })).toBe(
      'Expired: no result from M-Pesa within 24 h; the last status query said the payment was still being processed',
    );
    expect(expiryMessage(3, { kind: 'query-unanswered', errorMessage: 'Spike Arrest Violation' })).toMatch(/^Expired: .*3 s; .*no answer \(Spike Arrest Violation\)$/);
    expect(expiryMessage(3, { kind: 'push-answer-lost' })).toMatch(/^Expired: .*answer was lost/);
    expect(expiryMessage(3, { kind: 'push-never-sent' })).toMatch(/^Expired: .*never sent$/);
    expect(expiryMessage(3, { kind: 'query-unanswered', errorMessage: 'x'.repeat(900) }).length).toBe(500);
  });
});
