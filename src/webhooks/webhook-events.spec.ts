import { webhookBackoffStrategy, webhookRetryDelayMs, WEBHOOK_ATTEMPTS, WEBHOOK_BACKOFF } from '../queues/queue-catalogue';
import { paymentEventTypes, referralEventTypes, receiptEventTypes } from './webhook-events';

describe('which history rows make which events', () => {
  it.each([
    [{ type: 'created', fromStatus: null, toStatus: 'pending' }, ['payment.created']],
    [{ type: 'retry-created', fromStatus: null, toStatus: 'pending' }, ['payment.created']],
    [{ type: 'push-accepted', fromStatus: null, toStatus: null }, ['payment.push_accepted']],
    [{ type: 'status-changed', fromStatus: 'pending', toStatus: 'completed' }, ['payment.completed']],
    [{ type: 'push-failed', fromStatus: 'pending', toStatus: 'failed' }, ['payment.failed']],
    [{ type: 'expired', fromStatus: 'pending', toStatus: 'failed' }, ['payment.failed']],
    [{ type: 'manual-update', fromStatus: 'failed', toStatus: 'completed' }, ['payment.corrected', 'payment.completed']],
    [{ type: 'status-corrected', fromStatus: 'failed', toStatus: 'completed' }, ['payment.corrected', 'payment.completed']],
    [{ type: 'manual-update', fromStatus: 'completed', toStatus: 'failed' }, ['payment.corrected']],
    [{ type: 'status-query', fromStatus: null, toStatus: null }, []],
    [{ type: 'push-retry', fromStatus: null, toStatus: null }, []],
    [{ type: 'callback-doubtful', fromStatus: null, toStatus: null }, []],
  ] as const)('payment row %j makes %j', (row, types) => {
    expect(paymentEventTypes(row)).toEqual(types);
  });

  it('every referral change is referral.status_changed; becoming paid is also referral.paid', () => {
    expect(referralEventTypes({ toStatus: 'awaiting-biodata' })).toEqual(['referral.status_changed']);
    expect(referralEventTypes({ toStatus: 'paid' })).toEqual(['referral.status_changed', 'referral.paid']);
  });
});

describe('the retry schedule', () => {
  it('waits about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h: eight attempts in all', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => webhookRetryDelayMs(n, 1000) / 1000)).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(WEBHOOK_ATTEMPTS).toBe(8);
  });

  it('is what BullMQ gets from the backoff strategy, scaled by the unit, resumed after an offset', () => {
    const job = (data: object = {}) => ({ opts: { backoff: { type: WEBHOOK_BACKOFF, delay: 1000 } }, data });
    expect(webhookBackoffStrategy(1, WEBHOOK_BACKOFF, undefined, job())).toBe(5000);
    expect(webhookBackoffStrategy(3, WEBHOOK_BACKOFF, undefined, job())).toBe(1_800_000);
    // A sweep's republish after three recorded attempts: its first failure waits the fourth delay.
    expect(webhookBackoffStrategy(1, WEBHOOK_BACKOFF, undefined, job({ attemptOffset: 3 }))).toBe(7_200_000);
    expect(webhookBackoffStrategy(2, WEBHOOK_BACKOFF, undefined, { opts: { backoff: { type: WEBHOOK_BACKOFF, delay: 1 } }, data: {} })).toBe(300);
  });
});

describe('receiptEventTypes', () => {
  it('makes receipt.needs_review when a receipt comes to need an admin, and nothing else', () => {
    for (const toState of ['unmatched', 'review', 'refund-due']) {
      expect(receiptEventTypes({ fromState: null, toState })).toEqual(['receipt.needs_review']);
      expect(receiptEventTypes({ fromState: 'unmatched', toState: toState === 'unmatched' ? 'review' : toState })).toEqual(['receipt.needs_review']);
    }
    expect(receiptEventTypes({ fromState: 'unmatched', toState: 'unmatched' })).toEqual([]); // a repeat changes nothing
    for (const toState of ['applied', 'dismissed', 'refunded', 'refund-failed', null]) expect(receiptEventTypes({ fromState: 'unmatched', toState })).toEqual([]);
  });
});
