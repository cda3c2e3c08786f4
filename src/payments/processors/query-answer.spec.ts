import type { StkQueryResult } from '../../mpesa/daraja.types';
import { decideQueryAnswer, QueriedPayment } from './query-answer';

const schedule = { expiryS: 3600, intervalMs: 30_000 };
const open = (over: Partial<QueriedPayment> = {}): QueriedPayment => ({ status: 'pending', queryCount: 0, expired: false, ...over });
const success: StkQueryResult = { kind: 'final', resultCode: '0', resultDesc: 'ok' };
const cancelled: StkQueryResult = { kind: 'final', resultCode: '1032', resultDesc: 'Request cancelled by user' };
const processing: StkQueryResult = { kind: 'processing' };
const busy: StkQueryResult = { kind: 'error', errorClass: 'indeterminate', httpStatus: 503, errorCode: null, errorMessage: 'busy' };

describe('decideQueryAnswer', () => {
  it('completes a pending payment on a success answer, without a receipt', () => {
    const d = decideQueryAnswer(open({ queryCount: 2 }), 'ws_1', success, schedule);
    expect(d).toEqual({
      verdict: 'completed',
      queryNumber: 3,
      outcome: { status: 'completed', resultCode: '0', resultDesc: 'ok', receipt: null },
      options: { source: 'reconciliation', detail: { via: 'status-query', checkoutRequestId: 'ws_1', queryNumber: 3 } },
    });
  });

  it('fails a pending payment on a failure answer, with its words', () => {
    const d = decideQueryAnswer(open(), 'ws_1', cancelled, schedule);
    expect(d.verdict).toBe('failed');
    if (d.verdict !== 'failed') return;
    expect(d.outcome).toMatchObject({ status: 'failed', resultCode: '1032' });
  });

  it('settles on a final answer even past the expiry', () => {
    expect(decideQueryAnswer(open({ expired: true }), 'ws_1', success, schedule).verdict).toBe('completed');
  });

  it.each([
    ['processing', processing, 'still being processed'],
    ['unanswered', busy, 'got no answer (busy)'],
  ])('expires a pending payment past its expiry when the answer is %s', (_name, answer, words) => {
    const d = decideQueryAnswer(open({ expired: true, queryCount: 4 }), 'ws_1', answer, schedule);
    expect(d.verdict).toBe('expired');
    if (d.verdict !== 'expired') return;
    expect(d.outcome.status).toBe('failed');
    expect(d.outcome.status === 'failed' && d.outcome.errorMessage).toContain(words);
    expect(d.options).toMatchObject({ source: 'reconciliation', eventType: 'expired', detail: { queryNumber: 5, expirySeconds: 3600 } });
  });

  it('leaves an open payment pending with a growing backoff', () => {
    expect(decideQueryAnswer(open({ queryCount: 0 }), 'ws_1', processing, schedule)).toEqual({
      verdict: 'pending',
      queryNumber: 1,
      backoffMs: 30_000,
      event: { checkoutRequestId: 'ws_1', queryNumber: 1, answer: 'processing' },
    });
    const later = decideQueryAnswer(open({ queryCount: 2 }), 'ws_1', busy, schedule);
    expect(later).toMatchObject({ verdict: 'pending', backoffMs: 120_000, event: { answer: 'error', errorClass: 'indeterminate', httpStatus: 503 } });
  });

  it.each(['completed', 'failed'] as const)('never changes a %s payment, and says when the answer disagrees', (status) => {
    const agreeing = status === 'completed' ? success : cancelled;
    const other = status === 'completed' ? cancelled : success;
    expect(decideQueryAnswer(open({ status }), 'ws_1', agreeing, schedule)).toMatchObject({ verdict: 'ignored', disagrees: false, event: { applied: false } });
    expect(decideQueryAnswer(open({ status }), 'ws_1', other, schedule)).toMatchObject({ verdict: 'ignored', disagrees: true });
    expect(decideQueryAnswer(open({ status, expired: true }), 'ws_1', processing, schedule)).toMatchObject({ verdict: 'ignored', disagrees: false });
  });
});
