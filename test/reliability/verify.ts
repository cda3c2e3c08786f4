// Every payment against the simulator's ground truth, and the service's own invariants. Pure: the
// run reads the rows and the ground truth, this decides what is right.

export interface PaymentRow {
  id: string;
  referralId: string;
  phoneNumber: string;
  amount: number;
  status: 'pending' | 'completed' | 'failed';
  stkRequestId: string | null;
  mpesaTransactionId: string | null;
  errorMessage: string | null;
  accountReference: string;
  createdAt: Date;
  ageS: number;
  /** the ledger sweep settled it: a receipt-attached or status-corrected event via `ledger-pull` */
  settledByLedger?: boolean;
}

/** A receipt as the service's books hold it (CONTRACT.md, "Receipts"). */
export interface ReceiptRow {
  receipt: string;
  state: string;
  paymentId: string | null;
  /** who recorded it first: `callback`, `ledger` (the ledger sweep), ... */
  source?: string;
}

/** Receipt states that put the money in front of an admin. */
export const RECEIPT_STATES_TO_REVIEW = ['unmatched', 'review', 'refund-due'];

export interface ReferralRow {
  id: string;
  status: string;
  stkSentCount: number;
  hasCompletedPayment: boolean;
}

export interface TruthTransaction {
  checkoutRequestId: string;
  accountReference: string;
  phoneNumber: string;
  amount: number;
  status: 'processing' | 'completed' | 'failed';
  mpesaReceiptNumber: string | null;
  callbacks: { httpStatus: number | null }[];
  queryCount: number;
  /** the simulator's scenario name, e.g. `success+query-says-cancelled+callback-late` */
  scenario?: string;
}

export interface TruthPush {
  accountReference: string | null;
  outcome: 'accepted' | 'refused';
  errorMessage: string | null;
}

export interface GroundTruth {
  pushes: TruthPush[];
  transactions: TruthTransaction[];
}

/** One payment in M-Pesa's ledger as the simulator holds it (GET /simulator/ledger). */
export interface LedgerTruthEntry {
  receipt: string;
  kind: 'stk' | 'manual' | 'reversal';
  billReference: string;
  /** ISO time M-Pesa completed it: what a Pull window is compared with */
  completedAt: string;
}

export interface SimulatorLedger {
  entries: LedgerTruthEntry[];
}

/** A ledger sweep that read M-Pesa's ledger (ledger_pull_runs with outcome rows or no-data). */
export interface LedgerSweep {
  windowFrom: Date;
  windowTo: Date;
}

export type Stats = Record<'total' | 'pending' | 'completed' | 'failed' | 'totalAmount' | 'pendingAmount' | 'failedAmount' | 'successRate', number>;


export interface Verdict {
  mismatches: {
    /** final status other than the one the ground truth (and what the service could learn) implies */
    wrongFinalStatus: number;
    /** a completed payment whose receipt is not the simulator's (null is right when a status query settled it) */
    wrongReceipt: number;
    /** payments the simulator accepted more than one push for (a customer prompted twice) */
    multipleAcceptedPushes: number;
    /** referrals whose stkSentCount says more than one accepted push */
    stkSentCountAboveOne: number;
    /** payments still pending although older than PAYMENT_EXPIRY_S */
    pendingPastExpiry: number;
    /** a referral `paid` without a completed payment, or with one but not `paid` */
    referralPaidMismatch: number;
    /** stats figures (per API process and range) that differ from a count over the rows */
    statsMismatch: number;
    /** payments that expired without their push ever being sent (the sweeper should have sent it) */
    pushNeverSent: number;
    /**
     * a receipt Daraja issued and told the service about (a success callback it accepted) that is on
     * no payment and not listed as a receipt to review: money that vanished
     */
    receiptLost: number;
    /** a receipt on more than one payment */
    receiptOnTwoPayments: number;
    /** a completed payment holding the receipt of another payment's push: a referral paid by another referral's money */
    paidByAnotherReferralsMoney: number;
    /**
     * a payment in M-Pesa's ledger that no ledger sweep read: no sweep's window covers the moment
     * M-Pesa completed it (the sweeps stopped, or left a gap between windows)
     */
    ledgerNotSwept: number;
    /**
     * paid, with neither the push's answer nor the callback ever sent (fault 9: only M-Pesa's ledger
     * knows), and read by a sweep, but not completed with the simulator's receipt recorded by the ledger
     */
    notSettledByLedger: number;
  };
  observed: {
    completed: number;
    failed: number;
    pending: number;
    /** payments whose push the simulator accepted */
    prompted: number;
    /** failed as expired */
    expired: number;
    /** expired payments by the cause their errorMessage gives */
    expiredBecause: Record<string, number>;
    /**
     * accepted by the simulator, but the service could never learn the outcome: the push's answer was
     * lost (timeout, or a worker killed mid-send) and its callback was lost too (refused while
     * Postgres was down, or a failure callback, which is never matched by phone); such a payment
     * rightly expires as failed
     */
    unlearnable: number;
    refusedPushes: number;
    spikeArrestRefusals: number;
    callbacksSent: number;
    callbacksNotAccepted: number;
    doubledCallbacks: number;
    statusQueries: number;
    /** receipts in front of an admin, by state (unmatched: no payment could be determined) */
    receiptsToReview: Record<string, number>;
    /** paid prompts whose success callback the service accepted, matched to no payment (twins): listed for review */
    paidButUnmatched: number;
    /** ledger sweeps that read M-Pesa's ledger */
    ledgerSwept: number;
    /** completed payments the ledger sweep settled (by its receipt's account reference) */
    settledByLedger: number;
    /** of those, payments whose push answer and callback were both lost (fault 9) */
    settledByLedgerAnswerAndCallbackLost: number;
  };
  /** a few examples per mismatch kind, for the log */
  examples: Record<string, unknown[]>;
}

export function verify(input: {
  payments: PaymentRow[];
  referrals: ReferralRow[];
  truth: GroundTruth;
  receipts: ReceiptRow[];
  expiryS: number;
  stats: { label: string; answered: Stats; counted: Stats }[];
  /** M-Pesa's ledger and the service's sweeps of it; absent: no ledger sweep ran, nothing is expected of one */
  ledger?: { entries: LedgerTruthEntry[]; sweeps: LedgerSweep[] };
}): Verdict {
  const { payments, referrals, truth, receipts, expiryS } = input;
  const examples: Record<string, unknown[]> = {};
  const note = (kind: string, example: unknown) => {
    const list = (examples[kind] ??= []);
    if (list.length < 5) list.push(example);
  };
  const v: Verdict = {
    mismatches: {
      wrongFinalStatus: 0,
      wrongReceipt: 0,
      multipleAcceptedPushes: 0,
      stkSentCountAboveOne: 0,
      pendingPastExpiry: 0,
      referralPaidMismatch: 0,
      statsMismatch: 0,
      pushNeverSent: 0,
      receiptLost: 0,
      receiptOnTwoPayments: 0,
      paidByAnotherReferralsMoney: 0,
      ledgerNotSwept: 0,
      notSettledByLedger: 0,
    },
    observed: {
      completed: 0,
      failed: 0,
      pending: 0,
      prompted: 0,
      expired: 0,
      expiredBecause: {},
      unlearnable: 0,
      refusedPushes: truth.pushes.filter((p) => p.outcome === 'refused').length,
      spikeArrestRefusals: truth.pushes.filter((p) => p.outcome === 'refused' && /Spike Arrest/.test(p.errorMessage ?? '')).length,
      callbacksSent: truth.transactions.reduce((n, t) => n + t.callbacks.length, 0),
      callbacksNotAccepted: truth.transactions.reduce((n, t) => n + t.callbacks.filter((c) => c.httpStatus !== 200).length, 0),
      doubledCallbacks: truth.transactions.filter((t) => t.callbacks.length > 1).length,
      statusQueries: truth.transactions.reduce((n, t) => n + t.queryCount, 0),
      receiptsToReview: {},
      paidButUnmatched: 0,
      ledgerSwept: input.ledger?.sweeps.length ?? 0,
      settledByLedger: 0,
      settledByLedgerAnswerAndCallbackLost: 0,
    },
    examples,
  };

  const byReference = new Map<string, TruthTransaction[]>();
  for (const t of truth.transactions) byReference.set(t.accountReference, [...(byReference.get(t.accountReference) ?? []), t]);
  const toReview = new Map(receipts.filter((r) => RECEIPT_STATES_TO_REVIEW.includes(r.state)).map((r) => [r.receipt, r]));
  for (const r of toReview.values()) v.observed.receiptsToReview[r.state] = (v.observed.receiptsToReview[r.state] ?? 0) + 1;
  const receiptRows = new Map(receipts.map((r) => [r.receipt, r]));

  // M-Pesa's ledger: a payment in it is read by a sweep whose window covers its completion.
  const sweeps = input.ledger?.sweeps ?? [];
  const ledgerEntries = new Map((input.ledger?.entries ?? []).map((e) => [e.receipt, e]));
  const sweptAt = (completedAt: string) => {
    const at = Date.parse(completedAt);
    return sweeps.some((s) => new Date(s.windowFrom).getTime() <= at && at <= new Date(s.windowTo).getTime());
  };
  for (const e of ledgerEntries.values()) {
    if (e.kind === 'reversal' || sweptAt(e.completedAt)) continue;
    v.mismatches.ledgerNotSwept++;
    note('ledgerNotSwept', { receipt: e.receipt, billReference: e.billReference, completedAt: e.completedAt, sweeps: sweeps.length });
  }
  /** The ledger sweep read this paid transaction: its receipt must end on its payment (or listed for review). */
  const readByLedger = (t: TruthTransaction) => {
    const entry = t.mpesaReceiptNumber ? ledgerEntries.get(t.mpesaReceiptNumber) : undefined;
    return t.status === 'completed' && entry !== undefined && sweptAt(entry.completedAt);
  };
  const onlyLedgerKnows = (t: TruthTransaction) => t.scenario?.includes('answer-and-callback-never-sent') ?? false;
  /** What a payment nothing else told about ends as once the ledger read it: completed, unless the rules sent its receipt to review. */
  const byLedger = (t: TruthTransaction): 'completed' | 'failed' => (onlyLedgerKnows(t) || !toReview.has(t.mpesaReceiptNumber as string) ? 'completed' : 'failed');

  for (const p of payments) {
    v.observed[p.status]++;
    if (p.status === 'failed' && p.errorMessage?.startsWith('Expired')) {
      v.observed.expired++;
      const cause = p.errorMessage.replace(/^[^;]*;\s*/, '').replace(/\s*\(.*$/, '');
      v.observed.expiredBecause[cause] = (v.observed.expiredBecause[cause] ?? 0) + 1;
    }
    if (p.status === 'pending' && p.ageS > expiryS) {
      v.mismatches.pendingPastExpiry++;
      note('pendingPastExpiry', { id: p.id, ageS: p.ageS });
    }
    if (p.status === 'failed' && /the STK push was never sent/.test(p.errorMessage ?? '')) {
      v.mismatches.pushNeverSent++;
      note('pushNeverSent', { id: p.id, errorMessage: p.errorMessage });
    }
    // Every push of a payment carries the payment's own AccountReference.
    const txs = (byReference.get(p.accountReference) ?? []).filter((t) => t.amount === p.amount);
    if (txs.length > 1) {
      v.mismatches.multipleAcceptedPushes++;
      note('multipleAcceptedPushes', { id: p.id, checkoutRequestIds: txs.map((t) => t.checkoutRequestId) });
      continue;
    }
    const tx = txs[0];
    let expected: 'completed' | 'failed';
    if (!tx) {
      expected = 'failed'; // never prompted: it must not complete
    } else {
      v.observed.prompted++;
      if (tx.status === 'processing') {
        v.mismatches.wrongFinalStatus++;
        note('wrongFinalStatus', { id: p.id, why: 'the simulator still processes it: the run did not wait long enough' });
        continue;
      }
      if (p.stkRequestId === tx.checkoutRequestId) {
        expected = tx.status;
        // The status query lies (1032 for a paid prompt): only the success callback tells the truth,
        // and one refused (Postgres down; Daraja never retries) leaves nothing that could.
        if (tx.status === 'completed' && tx.scenario?.includes('query-says-cancelled') && !tx.callbacks.some((c) => c.httpStatus === 200)) {
          // Unless the ledger sweep read it: M-Pesa's ledger has the money under this AccountReference.
          expected = readByLedger(tx) ? byLedger(tx) : 'failed';
          if (!readByLedger(tx)) v.observed.unlearnable++;
        }
      } else if (p.stkRequestId === null) {
        // The service never learnt the CheckoutRequestID. A success callback it accepted must have
        // been matched by phone and amount; without one nothing could tell it, and expiry is right.
        const successCallbackAccepted = tx.status === 'completed' && tx.callbacks.some((c) => c.httpStatus === 200);
        // Unless more than one push could have sent it (twins): then no guess is made, the payment
        // expires and its receipt waits for an admin (the receipt checks below see that it does).
        const leftUnmatched = successCallbackAccepted && tx.mpesaReceiptNumber !== null && toReview.get(tx.mpesaReceiptNumber)?.state === 'unmatched';
        expected = successCallbackAccepted && !leftUnmatched ? 'completed' : 'failed';
        if (leftUnmatched) v.observed.paidButUnmatched++;
        // No callback told it either: M-Pesa's ledger can, by the payment's AccountReference.
        if (!successCallbackAccepted && tx.status === 'completed') {
          if (readByLedger(tx)) expected = byLedger(tx);
          else v.observed.unlearnable++;
        }
      } else {
        v.mismatches.wrongFinalStatus++;
        note('wrongFinalStatus', { id: p.id, why: 'stkRequestId is not the accepted push', stkRequestId: p.stkRequestId, truth: tx.checkoutRequestId });
        continue;
      }
    }
    if (p.status !== expected) {
      v.mismatches.wrongFinalStatus++;
      note('wrongFinalStatus', { id: p.id, phone: p.phoneNumber, status: p.status, expected, truth: tx ?? null, errorMessage: p.errorMessage });
    }
    if (p.status === 'completed' && tx && p.mpesaTransactionId !== null && p.mpesaTransactionId !== tx.mpesaReceiptNumber) {
      v.mismatches.wrongReceipt++;
      note('wrongReceipt', { id: p.id, receipt: p.mpesaTransactionId, truth: tx.mpesaReceiptNumber });
    }
    const byTheLedger = p.status === 'completed' && p.settledByLedger === true && p.mpesaTransactionId !== null && receiptRows.get(p.mpesaTransactionId)?.source === 'ledger';
    if (byTheLedger) v.observed.settledByLedger++;
    if (tx && onlyLedgerKnows(tx) && readByLedger(tx)) {
      // Fault 9: nothing but the ledger could tell; it must have, with the right receipt.
      if (byTheLedger && p.mpesaTransactionId === tx.mpesaReceiptNumber) v.observed.settledByLedgerAnswerAndCallbackLost++;
      else {
        v.mismatches.notSettledByLedger++;
        note('notSettledByLedger', { id: p.id, status: p.status, receipt: p.mpesaTransactionId, truth: tx.mpesaReceiptNumber, source: p.mpesaTransactionId ? (receiptRows.get(p.mpesaTransactionId)?.source ?? null) : null });
      }
    }
  }

  // Every shilling the service was told about: on exactly one payment, that payment's own, or listed for review.
  const holders = new Map<string, PaymentRow[]>();
  for (const p of payments) if (p.mpesaTransactionId) holders.set(p.mpesaTransactionId, [...(holders.get(p.mpesaTransactionId) ?? []), p]);
  const byReceipt = new Map(truth.transactions.filter((t) => t.mpesaReceiptNumber).map((t) => [t.mpesaReceiptNumber as string, t]));
  for (const t of truth.transactions) {
    // The service was told: by a success callback it accepted, or by a ledger sweep that read it.
    if (t.status !== 'completed' || !t.mpesaReceiptNumber || !(t.callbacks.some((c) => c.httpStatus === 200) || readByLedger(t))) continue;
    const on = holders.get(t.mpesaReceiptNumber) ?? [];
    if (on.length > 1) {
      v.mismatches.receiptOnTwoPayments++;
      note('receiptOnTwoPayments', { receipt: t.mpesaReceiptNumber, payments: on.map((p) => p.id) });
    } else if (on.length === 0 && !toReview.has(t.mpesaReceiptNumber)) {
      v.mismatches.receiptLost++;
      note('receiptLost', { receipt: t.mpesaReceiptNumber, accountReference: t.accountReference, state: receipts.find((r) => r.receipt === t.mpesaReceiptNumber)?.state ?? null });
    }
  }
  for (const [receipt, on] of holders) {
    const paidBy = byReceipt.get(receipt);
    for (const p of on) {
      if (paidBy && paidBy.accountReference !== p.accountReference) {
        v.mismatches.paidByAnotherReferralsMoney++;
        note('paidByAnotherReferralsMoney', { id: p.id, accountReference: p.accountReference, receipt, receiptsPush: paidBy.accountReference });
      }
    }
  }

  for (const r of referrals) {
    if ((r.status === 'paid') !== r.hasCompletedPayment) {
      v.mismatches.referralPaidMismatch++;
      note('referralPaidMismatch', r);
    }
    if (r.stkSentCount > 1) {
      v.mismatches.stkSentCountAboveOne++;
      note('stkSentCountAboveOne', r);
    }
  }

  for (const { label, answered, counted } of input.stats) {
    for (const key of Object.keys(counted) as (keyof Stats)[]) {
      if (answered[key] !== counted[key]) {
        v.mismatches.statsMismatch++;
        note('statsMismatch', { label, key, answered: answered[key], counted: counted[key] });
      }
    }
  }
  return v;
}

/** The stats a count over the rows gives, as GET /api/payments/stats words them. */
export function countStats(rows: { status: string; amount: number }[]): Stats {
  const sum = (status: string) => rows.filter((r) => r.status === status).reduce((n, r) => n + r.amount, 0);
  const n = (status: string) => rows.filter((r) => r.status === status).length;
  const settled = n('completed') + n('failed');
  return {
    total: rows.length,
    pending: n('pending'),
    completed: n('completed'),
    failed: n('failed'),
    totalAmount: sum('completed'),
    pendingAmount: sum('pending'),
    failedAmount: sum('failed'),
    successRate: settled === 0 ? 0 : Math.round((n('completed') / settled) * 10_000) / 10_000,
  };
}
