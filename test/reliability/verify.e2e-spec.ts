// The fault run's judge (verify.ts) on hand-made rows: each money check counts what it should, so a
// fault run that reports 0 has really looked. Pure: no servers.
import { GroundTruth, LedgerSweep, LedgerTruthEntry, PaymentRow, ReceiptRow, TruthTransaction, verify } from './verify';

const payment = (id: string, changes: Partial<PaymentRow> = {}): PaymentRow => ({
  id,
  referralId: `ref-${id}`,
  phoneNumber: '254700100011',
  amount: 11,
  status: 'completed',
  stkRequestId: `ws_CO_${id}`,
  mpesaTransactionId: `R${id}`.padEnd(10, '0'),
  errorMessage: null,
  accountReference: `PAY${id}`,
  createdAt: new Date('2026-12-01T00:00:00Z'),
  ageS: 100,
  ...changes,
});

const paid = (id: string, changes: Partial<TruthTransaction> = {}): TruthTransaction => ({
  checkoutRequestId: `ws_CO_${id}`,
  accountReference: `PAY${id}`,
  phoneNumber: '254700100011',
  amount: 11,
  status: 'completed',
  mpesaReceiptNumber: `R${id}`.padEnd(10, '0'),
  callbacks: [{ httpStatus: 200 }],
  queryCount: 0,
  ...changes,
});

function judge(payments: PaymentRow[], transactions: TruthTransaction[], receipts: ReceiptRow[] = [], ledger?: { entries: LedgerTruthEntry[]; sweeps: LedgerSweep[] }) {
  const truth: GroundTruth = { pushes: [], transactions };
  return verify({ payments, referrals: [], truth, receipts, expiryS: 45, stats: [], ledger });
}

describe("the fault run's money checks", () => {
  it('finds nothing wrong when every receipt is on its own payment', () => {
    const v = judge([payment('1'), payment('2')], [paid('1'), paid('2')]);
    expect(v.mismatches).toMatchObject({ receiptLost: 0, receiptOnTwoPayments: 0, paidByAnotherReferralsMoney: 0, wrongFinalStatus: 0 });
  });

  it('counts a receipt the service was told about that is on no payment and not listed for review', () => {
    const v = judge([payment('1', { status: 'failed', mpesaTransactionId: null, errorMessage: 'Expired' })], [paid('1')]);
    expect(v.mismatches.receiptLost).toBe(1);
    // The same money listed for an admin is not lost.
    const listed = judge([payment('1', { status: 'failed', mpesaTransactionId: null, errorMessage: 'Expired' })], [paid('1')], [{ receipt: 'R100000000', state: 'review', paymentId: null }]);
    expect(listed.mismatches.receiptLost).toBe(0);
    expect(listed.observed.receiptsToReview).toEqual({ review: 1 });
  });

  it("does not count money the service was never told about (its callback was refused): that is the ledger's", () => {
    const v = judge([payment('1', { status: 'failed', mpesaTransactionId: null, stkRequestId: null, errorMessage: 'Expired' })], [paid('1', { callbacks: [{ httpStatus: null }] })]);
    expect(v.mismatches.receiptLost).toBe(0);
    expect(v.observed.unlearnable).toBe(1);
  });

  it("counts a receipt on two payments, and a referral paid by another referral's money", () => {
    const v = judge([payment('1'), payment('2', { mpesaTransactionId: 'R100000000' })], [paid('1'), paid('2')]);
    expect(v.mismatches.receiptOnTwoPayments).toBe(1);
    expect(v.mismatches.paidByAnotherReferralsMoney).toBe(1);
    expect(v.mismatches.receiptLost).toBe(1); // and payment 2's own money is nowhere
  });

  it('expects a twin whose answer was lost to expire when its receipt is left unmatched, and to complete otherwise', () => {
    const lostAnswer = { stkRequestId: null, status: 'failed' as const, mpesaTransactionId: null, errorMessage: 'Expired' };
    const unmatched = judge([payment('1', lostAnswer)], [paid('1')], [{ receipt: 'R100000000', state: 'unmatched', paymentId: null }]);
    expect(unmatched.mismatches.wrongFinalStatus).toBe(0);
    expect(unmatched.observed.paidButUnmatched).toBe(1);
    const guessedNothing = judge([payment('1', lostAnswer)], [paid('1')]);
    expect(guessedNothing.mismatches.wrongFinalStatus).toBe(1);
    expect(guessedNothing.mismatches.receiptLost).toBe(1);
  });
});

describe("the fault run's late-success check", () => {
  it('expects a payment whose status query lied to be completed when its callback got through, and accepts failed when none did', () => {
    const lied = { status: 'failed' as const, mpesaTransactionId: null, errorMessage: 'The customer cancelled the M-Pesa prompt (result 1032: Request cancelled by user)' };
    const scenario = 'success+query-says-cancelled+callback-late';
    expect(judge([payment('1', lied)], [paid('1', { scenario })]).mismatches.wrongFinalStatus).toBe(1);
    const refused = judge([payment('1', lied)], [paid('1', { scenario, callbacks: [{ httpStatus: 503 }] })]);
    expect(refused.mismatches.wrongFinalStatus).toBe(0);
    expect(refused.observed.unlearnable).toBe(1);
  });
});

describe("the fault run's ledger checks", () => {
  // Fault 9: the customer paid, neither the push's answer nor the callback ever came.
  const onlyLedger = (id: string) => paid(id, { scenario: 'success+answer-and-callback-never-sent', callbacks: [] });
  const inLedger = (id: string, completedAt = '2026-12-01T00:01:00Z'): LedgerTruthEntry => ({ receipt: `R${id}`.padEnd(10, '0'), kind: 'stk', billReference: `PAY${id}`, completedAt });
  const sweep = (from: string, to: string): LedgerSweep => ({ windowFrom: new Date(from), windowTo: new Date(to) });
  const byLedger: ReceiptRow = { receipt: 'R100000000', state: 'applied', paymentId: '1', source: 'ledger' };
  const lost = { stkRequestId: null, status: 'failed' as const, mpesaTransactionId: null, errorMessage: 'Expired' };

  it('expects a payment only the ledger knew of to be completed by the ledger with its receipt once a sweep read it', () => {
    const swept = { entries: [inLedger('1')], sweeps: [sweep('2026-12-01T00:00:00Z', '2026-12-01T00:02:00Z')] };
    const settled = judge([payment('1', { stkRequestId: null, settledByLedger: true })], [onlyLedger('1')], [byLedger], swept);
    expect(settled.mismatches).toMatchObject({ wrongFinalStatus: 0, notSettledByLedger: 0, ledgerNotSwept: 0, receiptLost: 0 });
    expect(settled.observed).toMatchObject({ ledgerSwept: 1, settledByLedger: 1, settledByLedgerAnswerAndCallbackLost: 1, unlearnable: 0 });

    // Left expired: wrong, and its money lost.
    const expired = judge([payment('1', lost)], [onlyLedger('1')], [], swept);
    expect(expired.mismatches).toMatchObject({ wrongFinalStatus: 1, notSettledByLedger: 1, receiptLost: 1 });
    // Its receipt kept for review: the money is not lost, but the ledger did not settle it.
    const review = judge([payment('1', lost)], [onlyLedger('1')], [{ ...byLedger, state: 'review' }], swept);
    expect(review.mismatches).toMatchObject({ wrongFinalStatus: 1, notSettledByLedger: 1, receiptLost: 0 });
    // Completed, but not by the ledger: a receipt nobody recorded, or one the ledger only recorded.
    expect(judge([payment('1', { stkRequestId: null })], [onlyLedger('1')], [], swept).mismatches.notSettledByLedger).toBe(1);
    const recordedOnly = judge([payment('1', { stkRequestId: null })], [onlyLedger('1')], [byLedger], swept);
    expect(recordedOnly.mismatches.notSettledByLedger).toBe(1);
    expect(recordedOnly.observed.settledByLedger).toBe(0);
  });

  it('counts a payment in the ledger that no sweep window covers, and then expects nothing of the ledger', () => {
    const gap = { entries: [inLedger('1', '2026-12-01T00:03:00Z')], sweeps: [sweep('2026-12-01T00:00:00Z', '2026-12-01T00:02:00Z'), sweep('2026-12-01T00:04:00Z', '2026-12-01T00:06:00Z')] };
    const v = judge([payment('1', lost)], [onlyLedger('1')], [], gap);
    expect(v.mismatches).toMatchObject({ ledgerNotSwept: 1, wrongFinalStatus: 0, notSettledByLedger: 0, receiptLost: 0 });
    expect(v.observed).toMatchObject({ ledgerSwept: 2, unlearnable: 1 });
    // Without any ledger sweep in the run, nothing is asked of one.
    expect(judge([payment('1', lost)], [onlyLedger('1')]).mismatches).toMatchObject({ ledgerNotSwept: 0, wrongFinalStatus: 0, notSettledByLedger: 0 });
  });

  it('lets another unlearnable payment the ledger read be completed by it, or failed with its receipt in review', () => {
    const swept = { entries: [inLedger('1')], sweeps: [sweep('2026-12-01T00:00:00Z', '2026-12-01T00:02:00Z')] };
    const refused = paid('1', { callbacks: [{ httpStatus: 503 }] }); // answer lost, callback refused while Postgres was down
    const settled = judge([payment('1', { stkRequestId: null, settledByLedger: true })], [refused], [byLedger], swept);
    expect(settled.mismatches).toMatchObject({ wrongFinalStatus: 0, notSettledByLedger: 0 });
    expect(settled.observed).toMatchObject({ settledByLedger: 1, settledByLedgerAnswerAndCallbackLost: 0 });
    expect(judge([payment('1', lost)], [refused], [{ ...byLedger, state: 'review' }], swept).mismatches).toMatchObject({ wrongFinalStatus: 0, receiptLost: 0 });
    expect(judge([payment('1', lost)], [refused], [], swept).mismatches).toMatchObject({ wrongFinalStatus: 1, receiptLost: 1 });
  });
});
