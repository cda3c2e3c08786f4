import { CallbackFacts, confirmationFrom, failedByEvent, judgeCallback, judgeUnknownCheckout, judgeVerification, ReferralFacts, UnansweredPush, UnknownCheckoutCallback, VerificationFacts } from './evidence';

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
    expect(judgeUnknownCheckout(success({ phoneNumber: null, confirmation: null }), [inFlight('b')]).kind).toBe('wait');
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

describe('judgeCallback', () => {
  const paid = (changes: Partial<CallbackFacts> = {}): CallbackFacts => ({
    status: 'pending',
    heldReceipt: null,
    expectedAmount: 1000,
    expectedPhone: '254712345678',
    outcome: 'completed',
    amount: 1000,
    receipt: 'UAB1CD2EF3',
    phoneNumber: '254712345678',
    receiptOwner: null,
    ...changes,
  });

  it.each<[string, Partial<CallbackFacts>, string]>([
    ['pending, success, all agree', {}, 'complete'],
    ['pending, success, phone masked', { phoneNumber: null }, 'complete'],
    ['pending, failure', { outcome: 'failed', amount: null, receipt: null }, 'fail'],
    ['pending, another amount', { amount: 999 }, 'amount-mismatch'],
    ['pending, no amount', { amount: null }, 'doubt'],
    ['pending, no receipt', { receipt: null }, 'doubt'],
    ['pending, another phone', { phoneNumber: '254712000000' }, 'doubt'],
    ['pending, receipt already on another payment', { receiptOwner: 'p2' }, 'doubt'],
    ['completed with that receipt, success', { status: 'completed', heldReceipt: 'UAB1CD2EF3' }, 'duplicate'],
    ['completed with another receipt, success', { status: 'completed', heldReceipt: 'OTHER00001' }, 'conflict'],
    ['completed, failure', { status: 'completed', heldReceipt: 'UAB1CD2EF3', outcome: 'failed' }, 'conflict'],
    ['failed, failure', { status: 'failed', outcome: 'failed' }, 'duplicate'],
    ['failed by expiry, failure', { status: 'failed', failedBy: 'expiry', outcome: 'failed', amount: null, receipt: null }, 'duplicate'],
    ['failed, success, how it failed unknown', { status: 'failed' }, 'conflict'],
  ])('%s: %s', (_label, changes, kind) => {
    expect(judgeCallback(paid(changes)).kind).toBe(kind);
  });

  describe('a success callback on a payment completed without a receipt (a status query, an admin)', () => {
    const completed = (changes: Partial<CallbackFacts> = {}) => paid({ status: 'completed', heldReceipt: null, ...changes });

    it('adds the receipt', () => {
      expect(judgeCallback(completed())).toEqual({ kind: 'add-receipt' });
      expect(judgeCallback(completed({ phoneNumber: null }))).toEqual({ kind: 'add-receipt' });
    });

    it.each<[string, Partial<CallbackFacts>, RegExp]>([
      ['the receipt already pays another payment', { receiptOwner: 'p2' }, /already pays payment p2/],
      ['another amount', { amount: 999 }, /KES 999/],
      ['no amount', { amount: null }, /no amount/],
      ['another phone', { phoneNumber: '254712000000' }, /phone number differs/],
    ])('keeps it for review, adding nothing, when %s', (_label, changes, note) => {
      expect(judgeCallback(completed(changes))).toMatchObject({ kind: 'conflict', note: expect.stringMatching(note) });
    });

    it('finds nothing new in a success callback without a receipt', () => {
      expect(judgeCallback(completed({ receipt: null })).kind).toBe('duplicate');
    });

    it('keeps a failure callback for review', () => {
      expect(judgeCallback(completed({ outcome: 'failed', amount: null, receipt: null })).kind).toBe('conflict');
    });
  });

  describe('a success callback on a failed payment', () => {
    const referral = (changes: Partial<ReferralFacts> = {}): ReferralFacts => ({ status: 'pending-payment', completedPayment: null, pendingPayment: null, ...changes });
    const failed = (changes: Partial<CallbackFacts> = {}) => paid({ status: 'failed', failedBy: 'expiry', referral: referral(), ...changes });

    it.each(['expiry', 'status-query'] as const)('completes it when it failed by %s, saying what it overrides', (failedBy) => {
      const decision = judgeCallback(failed({ failedBy }));
      expect(decision).toMatchObject({ kind: 'correct', note: expect.stringContaining('UAB1CD2EF3') });
      expect(judgeCallback(failed({ failedBy, phoneNumber: null })).kind).toBe('correct');
    });

    it('keeps it for refund when another payment of the referral already paid it', () => {
      for (const status of ['paid', 'confirmed', 'pending-payment'] as const) {
        const decision = judgeCallback(failed({ referral: referral({ status, completedPayment: 'p2' }) }));
        expect(decision).toEqual({ kind: 'refund-due', paidBy: 'p2', note: expect.stringMatching(/^refund-due: .*p2.*UAB1CD2EF3/) });
      }
    });

    it.each<[string, Partial<CallbackFacts>, RegExp]>([
      ['it failed by a failure callback', { failedBy: 'callback' }, /failure callback/],
      ['an admin failed it', { failedBy: 'admin' }, /an admin/],
      ['Daraja refused its push', { failedBy: 'push' }, /refusing the push/],
      ['how it failed is not recorded', { failedBy: null }, /not recorded/],
      ['the referral was cancelled meanwhile', { referral: referral({ status: 'cancelled' }) }, /cancelled/],
      ['another payment of the referral is pending', { referral: referral({ pendingPayment: 'p3' }) }, /p3.* is pending/],
      ['its referral is not known', { referral: null }, /referral is not known/],
      ['the receipt already pays another payment', { receiptOwner: 'p2' }, /already pays payment p2/],
      ['another amount', { amount: 999 }, /KES 999/],
      ['no amount', { amount: null }, /no amount/],
      ['no receipt', { receipt: null }, /no receipt/],
      ['another phone', { phoneNumber: '254712000000' }, /phone number differs/],
    ])('keeps it for review, changing nothing, when %s', (_label, changes, note) => {
      expect(judgeCallback(failed(changes))).toMatchObject({ kind: 'conflict', note: expect.stringMatching(note) });
    });
  });

  it('names both amounts in a mismatch', () => {
    expect(judgeCallback(paid({ amount: 999 }))).toEqual({ kind: 'amount-mismatch', errorMessage: 'Amount mismatch: M-Pesa reported KES 999 paid, the payment expected KES 1000' });
  });
});

describe('failedByEvent', () => {
  it.each([
    [{ type: 'expired', source: 'reconciliation' }, 'expiry'],
    [{ type: 'status-changed', source: 'reconciliation' }, 'status-query'],
    [{ type: 'status-changed', source: 'callback' }, 'callback'],
    [{ type: 'amount-mismatch', source: 'callback' }, 'callback'],
    [{ type: 'manual-update', source: 'admin' }, 'admin'],
    [{ type: 'push-failed', source: 'worker' }, 'push'],
    [{ type: 'status-changed', source: 'api' }, null],
    [null, null],
  ])('reads %j as %s', (event, failedBy) => {
    expect(failedByEvent(event)).toBe(failedBy);
  });
});

describe('judgeVerification (Transaction Status before a correction or a phone-and-amount match)', () => {
  const v = (status: VerificationFacts['status'], amount: number | null = 1000): VerificationFacts => ({ status, amount });
  it.each([
    ['never asked: ask, and wait', null, 'ask', /awaiting Transaction Status of receipt RCP1 before it corrects the failed payment/],
    ['asked, no Result yet: wait', v('pending', null), 'wait', /awaiting Transaction Status/],
    ['2032: review', v('unknown-receipt', null), 'review', /does not know receipt RCP1 \(2032\)/],
    ['another amount in the ledger: review', v('differs', 900), 'review', /gives KES 900 for receipt RCP1, not the KES 1000/],
    ['confirmed for another amount than the payment: review', v('confirmed', 1200), 'review', /confirms receipt RCP1 for KES 1200, the payment is for KES 1000/],
  ] as const)('%s', (_name, verification, kind, reason) => {
    expect(judgeVerification('RCP1', 1000, verification, 'status-correction')).toEqual({ kind, reason: expect.stringMatching(reason) });
  });
  it('confirmed with the payment amount (or none given): the rule applies', () => {
    expect(judgeVerification('RCP1', 1000, v('confirmed'), 'status-correction')).toEqual({ kind: 'proceed' });
    expect(judgeVerification('RCP1', 1000, v('confirmed', null), 'phone-and-amount')).toEqual({ kind: 'proceed' });
  });
  it('names the cause in the reason', () => {
    expect(judgeVerification('RCP1', 1000, null, 'phone-and-amount')).toMatchObject({ reason: expect.stringContaining('completes the payment matched by phone and amount') });
  });
});
