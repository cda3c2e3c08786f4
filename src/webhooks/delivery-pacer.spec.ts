// The pacer's arithmetic: the payment path's rate from two samples, and what it holds back.
import { historyRate, HOLD_AT_MOST_MS, shouldHold } from './delivery-pacer';

describe('historyRate', () => {
  it('is the growth of the history per second between two samples', () => {
    expect(historyRate({ high: 1000, at: 10_000 }, { high: 1500, at: 11_000 })).toBe(500);
    expect(historyRate({ high: 1000, at: 10_000 }, { high: 1010, at: 12_000 })).toBe(5);
  });

  it('knows nothing from a first sample, or from a clock that did not move forward', () => {
    expect(historyRate(null, { high: 1000, at: 10_000 })).toBeNull();
    expect(historyRate({ high: 1000, at: 10_000 }, { high: 2000, at: 10_000 })).toBeNull();
  });

  it('never goes below zero (an emptied table in a test)', () => {
    expect(historyRate({ high: 1000, at: 10_000 }, { high: 0, at: 11_000 })).toBe(0);
  });
});

describe('shouldHold', () => {
  it('holds back only while the payment path is busy', () => {
    expect(shouldHold(true, 0)).toBe(true);
    expect(shouldHold(false, 0)).toBe(false);
  });

  it('never holds back a change HOLD_AT_MOST_MS old or older', () => {
    expect(shouldHold(true, HOLD_AT_MOST_MS - 1)).toBe(true);
    expect(shouldHold(true, HOLD_AT_MOST_MS)).toBe(false);
    expect(shouldHold(true, 10 * HOLD_AT_MOST_MS)).toBe(false);
  });
});
