// The pacer's arithmetic: the payment path's rate from two samples, and what it holds back.
import { historyRate, HOLD_ABOVE_BACKLOG, HOLD_ABOVE_PER_S, HOLD_AT_MOST_MS, paymentPathBusy, shouldHold } from './delivery-pacer';

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

describe('paymentPathBusy', () => {
  it('is busy while the history grows fast, or while callbacks wait to be applied (the tail of a burst)', () => {
    expect(paymentPathBusy(HOLD_ABOVE_PER_S, 0)).toBe(true);
    expect(paymentPathBusy(HOLD_ABOVE_PER_S - 1, 0)).toBe(false);
    expect(paymentPathBusy(null, 0)).toBe(false);
    expect(paymentPathBusy(0, HOLD_ABOVE_BACKLOG)).toBe(true);
    expect(paymentPathBusy(null, HOLD_ABOVE_BACKLOG - 1)).toBe(false);
  });
});
