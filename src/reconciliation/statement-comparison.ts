// The comparison of a statement with the service's books (CONTRACT.md, "Ledger reconciliation",
// statement import): one line per statement row, then one per payment completed here in the
// period that the statement lacks. Pure: what the books hold is handed in, what should be recorded
// as a Receipt is handed back.
import { unmaskedPhone } from './statement-values';
import type { Statement, StatementRow } from './statement-reader';
import type { MpesaSide, OursSide, ReportLine } from './report';

/** What the comparison needs of a payment. */
export interface PaymentFacts {
  id: string;
  referralId: string;
  amount: number;
  status: string;
  receipt: string | null;
  accountReference: string;
  completedAt: string | null;
}

/** A Receipt the import records (source `statement`), unless that receipt number is known already. */
export interface StatementReceipt {
  receipt: string;
  amount: number;
  phoneNumber: string | null;
  paidAt: string | null;
  /** applied: on the payment holding it; review: a payment it names disagrees or lacks it; unmatched: none. */
  state: 'applied' | 'unmatched' | 'review';
  reason: string;
  paymentId: string | null;
  referralId: string | null;
}

export interface BooksForStatement {
  /** Payments holding one of the statement's receipt numbers. */
  byReceipt: ReadonlyMap<string, PaymentFacts>;
  /** Payments whose accountReference is one of the statement's A/C No. values. */
  byAccountReference: ReadonlyMap<string, PaymentFacts>;
  /** Payments completed here within the period, in completion order. */
  completedInPeriod: readonly PaymentFacts[];
}

export interface Comparison {
  lines: ReportLine[];
  receipts: StatementReceipt[];
}

/** A payment completed this close to an edge of the period may sit in the neighbouring statement. */
const EDGE_MS = 5 * 60 * 1000;

const CHARGE = /charge/i;
/** Money moved between the organisation's own accounts (utility, working, settlement): not a payment. */
const SETTLEMENT = /settle|transfer|sweep|move\s*funds|working\s*account|utility\s*account/i;
const REVERSAL = /revers/i;

export function oursSide(p: PaymentFacts): OursSide {
  return { paymentId: p.id, amount: p.amount, status: p.status, receipt: p.receipt, accountReference: p.accountReference, completedAt: p.completedAt };
}

function mpesaSide(row: StatementRow): MpesaSide {
  return {
    row: row.row,
    amount: row.paidIn.value,
    paidIn: row.paidInText,
    withdrawn: row.withdrawnText,
    completionTime: row.completionTime,
    transactionStatus: row.transactionStatus,
    details: row.details,
    reasonType: row.reasonType,
    otherParty: row.otherParty,
    accountNumber: row.accountNumber,
  };
}

/** Why a row is not a payment into the shortcode, or null when it is one to compare. */
function ignoredBecause(row: StatementRow): string | null {
  const words = `${row.reasonType ?? ''} ${row.details ?? ''}`;
  if (CHARGE.test(words)) return "a charge row: M-Pesa's fee on a payment, not money paid in";
  if (SETTLEMENT.test(words)) return "a settlement row: money moved between the organisation's own accounts";
  if (REVERSAL.test(words)) return 'a reversal: money sent back or returned, not a payment in';
  if (row.currency && !/^(kes|ksh|kshs)$/i.test(row.currency)) return `the amounts are in ${row.currency}, not KES`;
  if (row.transactionStatus.toLowerCase() !== 'completed') {
    return `Transaction Status is "${row.transactionStatus || '(empty)'}", not Completed: no money was received`;
  }
  const paidIn = row.paidIn.value;
  if (paidIn === null && row.paidIn.problem === null) {
    return row.withdrawnText !== null ? 'a withdrawal: money paid out, not in' : 'no Paid In amount';
  }
  if (paidIn !== null && paidIn <= 0) return paidIn === 0 ? 'Paid In is 0' : 'a negative Paid In: money paid out, not in';
  if (!row.receipt) return 'no receipt number';
  return null;
}

function kes(amount: number): string {
  return `${amount.toLocaleString('en-US')} KES`;
}

/** Compares `statement` over [periodFrom, periodTo] with `books`. Deterministic: the same inputs give the same lines. */
export function compareStatement(statement: Statement, period: { from: string; to: string }, books: BooksForStatement): Comparison {
  const lines: ReportLine[] = [];
  const receipts: StatementReceipt[] = [];
  /** Completed paid-in receipts of the statement, with the first row each was on. */
  const firstRow = new Map<string, StatementRow>();
  /** Any row of the statement by receipt, for saying why a payment's receipt is missing. */
  const anyRow = new Map<string, StatementRow>();
  /** Payments without a receipt that a row's A/C No. matched. */
  const matchedByReference = new Set<string>();

  for (const row of statement.rows) {
    if (row.receipt && !anyRow.has(row.receipt)) anyRow.set(row.receipt, row);
    const mpesa = mpesaSide(row);
    const line = (kind: ReportLine['kind'], note: string, payment: PaymentFacts | null = null): void => {
      lines.push({ kind, receipt: row.receipt || null, paymentId: payment?.id ?? null, ours: payment ? oursSide(payment) : null, mpesa, note });
    };
    const ignored = ignoredBecause(row);
    if (ignored) {
      line('ignored', ignored);
      continue;
    }
    const first = firstRow.get(row.receipt);
    if (first) {
      const same = first.paidIn.value === row.paidIn.value && first.paidInText === row.paidInText;
      line('duplicates', `receipt ${row.receipt} is already on row ${first.row}${same ? '' : `, with Paid In ${first.paidInText ?? '(empty)'}`}: counted once`);
      continue;
    }
    firstRow.set(row.receipt, row);
    const amount = row.paidIn.value;
    const paidAt = row.completionTime ?? (row.completionTimeText || null);
    const phoneNumber = unmaskedPhone(row.otherParty);
    const holder = books.byReceipt.get(row.receipt) ?? null;

    if (holder && holder.status === 'completed') {
      if (amount === null) {
        line('amountDiffers', `Paid In ${row.paidIn.problem}: not compared; the payment is ${kes(holder.amount)}`, holder);
      } else if (amount === holder.amount) {
        line('matched', `${kes(amount)} on payment ${holder.accountReference}`, holder);
        receipts.push({ receipt: row.receipt, amount, phoneNumber, paidAt, state: 'applied', reason: 'on the statement, on the payment holding it', paymentId: holder.id, referralId: holder.referralId });
      } else {
        const note = `M-Pesa has ${kes(amount)}, the payment ${kes(holder.amount)}`;
        line('amountDiffers', note, holder);
        receipts.push({ receipt: row.receipt, amount, phoneNumber, paidAt, state: 'review', reason: `statement: ${note}`, paymentId: holder.id, referralId: holder.referralId });
      }
      continue;
    }

    if (amount === null) {
      // Cents: no Receipt is recorded with a rounded amount; a person reads the row.
      line('missingInOurs', `Paid In ${row.paidIn.problem}: not recorded as a receipt; check this row by hand`, holder);
      continue;
    }

    if (holder) {
      // Our payment holds the receipt but did not complete (a callback whose amount differed, a correction).
      const note = `the receipt is on payment ${holder.accountReference}, which is ${holder.status} here: M-Pesa received ${kes(amount)}`;
      line('missingInOurs', note, holder);
      receipts.push({ receipt: row.receipt, amount, phoneNumber, paidAt, state: 'review', reason: `statement: ${note}`, paymentId: holder.id, referralId: holder.referralId });
      continue;
    }

    const byReference = row.accountNumber ? books.byAccountReference.get(row.accountNumber.toUpperCase()) ?? null : null;
    if (byReference && byReference.status === 'completed' && byReference.receipt === null && byReference.amount === amount && !matchedByReference.has(byReference.id)) {
      // Completed by a status query, which never carries the receipt: the statement supplies it. The
      // money and the payment agree (matched); the receipt waits in review for an admin to attach
      // it (receipt-added), since the import itself changes no payment.
      matchedByReference.add(byReference.id);
      const note = `${kes(amount)} on payment ${byReference.accountReference} by its account reference (A/C No.): the payment was completed without a receipt number; attach this receipt to it`;
      line('matched', note, byReference);
      receipts.push({ receipt: row.receipt, amount, phoneNumber, paidAt, state: 'review', reason: `statement: ${note}`, paymentId: byReference.id, referralId: byReference.referralId });
      continue;
    }

    let note = 'no payment here holds this receipt: M-Pesa received money the service did not record';
    if (byReference) {
      if (byReference.status !== 'completed') {
        note += `; A/C No. ${byReference.accountReference} is a payment that is ${byReference.status} here: the money may be for it`;
      } else if (byReference.receipt) {
        note += `; A/C No. ${byReference.accountReference} is a payment already completed with receipt ${byReference.receipt}: the patient may have paid twice`;
      } else {
        note += `; A/C No. ${byReference.accountReference} is a payment completed without a receipt number, for ${kes(byReference.amount)}: not this amount`;
      }
    }
    line('missingInOurs', note, byReference);
    receipts.push({ receipt: row.receipt, amount, phoneNumber, paidAt, state: 'unmatched', reason: `statement: ${note}`, paymentId: null, referralId: null });
  }

  const from = Date.parse(period.from);
  const to = Date.parse(period.to);
  for (const payment of books.completedInPeriod) {
    if (payment.receipt ? firstRow.has(payment.receipt) : matchedByReference.has(payment.id)) continue;
    let note: string;
    if (!payment.receipt) {
      note = `completed here without a receipt number, and no Completed row carries its account reference ${payment.accountReference} with ${kes(payment.amount)}`;
    } else {
      const seen = anyRow.get(payment.receipt);
      note = seen
        ? `the statement has receipt ${payment.receipt} only on row ${seen.row}, which is not a Completed payment in (${ignoredBecause(seen) ?? 'see the row'})`
        : `the statement has no row with receipt ${payment.receipt}`;
    }
    const at = payment.completedAt ? Date.parse(payment.completedAt) : NaN;
    if (at - from < EDGE_MS || to - at < EDGE_MS) note += "; completed within 5 minutes of the period's edge: M-Pesa may have it in the neighbouring statement";
    lines.push({ kind: 'missingInMpesa', receipt: payment.receipt, paymentId: payment.id, ours: oursSide(payment), mpesa: null, note });
  }
  return { lines, receipts };
}
