import { confirmationFrom, judgeUnknownCheckout, UnansweredPush, UnknownCheckoutCallback } from './evidence';

const success = (changes: Partial<UnknownCheckoutCallback> = {}): UnknownCheckoutCallback => ({ success: true, phoneNumber: '254712345678', amount: 1000, confirmation: 'known', ...changes });
const lost = (paymentId: string, status: UnansweredPush['status'] = 'pending'): UnansweredPush => ({ paymentId, status, pushState: 'indeterminate' });
const inFlight = (paymentId: string): UnansweredPush => ({ paymentId, status: 'pending', pushState: 'sending' });

describe('judgeUnknownCheckout', () => {
  it('leaves a failure unmatched: it moves no money, and its push answer may still bring the id', () => {
    expect(judgeUnknownCheckout({ ...success(), success: false }, [lost('a')])).toMatchObject({ kind: 'unmatched' });
  });

  it('waits while any push that could have sent it still waits for its answer, confirmed or not', () => {
    expect(judgeUnknownCheckout(success({ confirmation: null }), [inFlight('b')]).kind).toBe('wait');
    expect(judgeUnknownCheckout(success(), [lost('a'), inFlight('b')]).kind).toBe('wait');
  });

  it.each([null, 'needed'] as const)('asks Daraja first when the id is not confirmed (%s)', (confirmation) => {
    expect(judgeUnknownCheckout(success({ confirmation }), [lost('a')]).kind).toBe('confirm');
    expect(judgeUnknownCheckout(success({ confirmation, phoneNumber: null }), []).kind).toBe('confirm');
  });

  it('calls an id Daraja does not know a forgery, whatever could have sent it', () => {
    expect(judgeUnknownCheckout(success({ confirmation: 'unknown' }), [lost('a')])).toMatchObject({ kind: 'forged', reason: expect.stringMatching(/forged/) });
  });

  it('matches the one pending lost-answer payment that could have sent a confirmed callback', () => {
    expect(judgeUnknownCheckout(success(), [lost('a')])).toEqual({ kind: 'match', paymentId: 'a' });
  });

  it.each([
    ['no push could have sent it', success(), [], /no push of this phone and amount/],
    ['two pushes could have', success(), [lost('a'), lost('b')], /2 pushes/],
    ['two, one of them already failed', success(), [lost('a', 'failed'), lost('b')], /2 pushes/],
    ['the only one is failed', success(), [lost('a', 'failed')], /already failed/],
    ['the only one is completed', success(), [lost('a', 'completed')], /already completed/],
    ['the phone is masked', success({ phoneNumber: null }), [lost('a')], /masked/],
    ['there is no amount', success({ amount: null }), [lost('a')], /no amount/],
  ])('makes no guess when %s', (_label, callback, candidates, reason) => {
    expect(judgeUnknownCheckout(callback, candidates)).toEqual({ kind: 'unmatched', reason: expect.stringMatching(reason) });
  });
});

describe('confirmationFrom', () => {
  it('reads any answer about the transaction as "Daraja issued it"', () => {
    expect(confirmationFrom({ kind: 'final', resultCode: '1032', resultDesc: 'Request cancelled by user' })).toBe('known');
    expect(confirmationFrom({ kind: 'processing' })).toBe('known');
  });

  it('reads "Invalid CheckoutRequestID" as "Daraja did not issue it"', () => {
    expect(confirmationFrom({ kind: 'error', errorClass: 'permanent', httpStatus: 400, errorCode: '400.002.02', errorMessage: 'Bad Request - Invalid CheckoutRequestID' })).toBe('unknown');
  });

  it('reads every other error as no answer yet', () => {
    expect(confirmationFrom({ kind: 'error', errorClass: 'indeterminate', httpStatus: 500, errorCode: '500.003.02', errorMessage: 'Spike Arrest Violation' })).toBeNull();
    expect(confirmationFrom({ kind: 'error', errorClass: 'permanent', httpStatus: 500, errorCode: '500.001.1001', errorMessage: 'Wrong credentials' })).toBeNull();
    expect(confirmationFrom({ kind: 'error', errorClass: 'token', httpStatus: 400, errorCode: '400.008.01', errorMessage: 'Invalid Authentication passed' })).toBeNull();
  });
});
