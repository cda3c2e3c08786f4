import { BooksForStatement, compareStatement, PaymentFacts } from './statement-comparison';
import type { Statement, StatementRow } from './statement-reader';
import { parseMoney } from './statement-values';

const PERIOD = { from: '2026-06-01T00:00:00.000Z', to: '2026-06-30T23:59:59.000Z' };

function row(n: number, receipt: string, paidIn: string | null, extra: Partial<StatementRow> = {}): StatementRow {
  return {
    row: n,
    receipt,
    completionTime: '2026-06-10T07:00:00.000Z',
    completionTimeText: '10-06-2026 10:00:00',
    transactionStatus: 'Completed',
    paidInText: paidIn,
    paidIn: parseMoney(paidIn),
    withdrawnText: null,
    withdrawn: parseMoney(null),
    details: 'Pay Bill from 25470****111 - ALICE ****',
    reasonType: 'Pay Bill Online',
    otherParty: '25470****111 - ALICE ****',
    accountNumber: null,
    currency: null,
    ...extra,
  };
}

function payment(id: string, extra: Partial<PaymentFacts> = {}): PaymentFacts {
  return { id, referralId: `r-${id}`, amount: 1000, status: 'completed', receipt: null, accountReference: `PAY${id}`, completedAt: '2026-06-10T07:00:05.000Z', ...extra };
}

function compare(rows: StatementRow[], payments: PaymentFacts[], completedInPeriod: PaymentFacts[] = []) {
  const statement: Statement = { format: 'csv', periodFrom: PERIOD.from, periodTo: PERIOD.to, shortCode: null, headerRow: 1, rows };
  const books: BooksForStatement = {
    byReceipt: new Map(payments.filter((p) => p.receipt).map((p) => [p.receipt!, p])),
    byAccountReference: new Map(payments.map((p) => [p.accountReference, p])),
    completedInPeriod,
  };
  return compareStatement(statement, PERIOD, books);
}

describe('compareStatement', () => {
  it('a receipt on a failed payment is money our books do not hold: missingInOurs, its receipt in review naming the payment', () => {
    const failed = payment('A', { status: 'failed', receipt: 'R1' });
    const { lines, receipts } = compare([row(2, 'R1', '1,000.00')], [failed]);
    expect(lines).toEqual([expect.objectContaining({ kind: 'missingInOurs', paymentId: 'A' })]);
    expect(lines[0].note).toContain('which is failed here');
    expect(receipts).toEqual([expect.objectContaining({ receipt: 'R1', state: 'review', paymentId: 'A', amount: 1000 })]);
  });

  it('an A/C No. of a payment completed with another receipt: missingInOurs, maybe paid twice, unmatched', () => {
    const paid = payment('B', { receipt: 'R0' });
    const { lines, receipts } = compare([row(2, 'R2', '1,000.00', { accountNumber: 'PAYB' })], [paid]);
    expect(lines[0]).toMatchObject({ kind: 'missingInOurs', paymentId: 'B' });
    expect(lines[0].note).toContain('paid twice');
    expect(receipts).toEqual([expect.objectContaining({ receipt: 'R2', state: 'unmatched', paymentId: null })]);
  });

  it('an A/C No. of a receipt-less payment of another amount does not match it', () => {
    const noReceipt = payment('C');
    const { lines } = compare([row(2, 'R3', '1,200.00', { accountNumber: 'PAYC' })], [noReceipt], [noReceipt]);
    expect(lines.map((l) => l.kind)).toEqual(['missingInOurs', 'missingInMpesa']);
    expect(lines[0].note).toContain('not this amount');
  });

  it('says why a payment is missing: no row, or its receipt only on a row that is not money paid in, and near the edge', () => {
    const gone = payment('D', { receipt: 'R4' });
    const edge = payment('E', { receipt: 'R5', completedAt: '2026-06-30T23:58:00.000Z' });
    const { lines } = compare([row(2, 'R4', '1,000.00', { transactionStatus: 'Cancelled' })], [gone, edge], [gone, edge]);
    expect(lines.map((l) => `${l.kind} ${l.receipt}`)).toEqual(['ignored R4', 'missingInMpesa R4', 'missingInMpesa R5']);
    expect(lines[1].note).toContain('only on row 2');
    expect(lines[1].note).not.toContain('edge');
    expect(lines[2].note).toContain("period's edge");
  });

  it('ignores reversals, charges and withdrawals, and keeps a phone only when unmasked', () => {
    const { lines, receipts } = compare(
      [
        row(2, 'R6', '500.00', { details: 'Reversal of transaction R1', reasonType: 'Reversal' }),
        row(3, 'R7', null, { withdrawnText: '-15.00', withdrawn: parseMoney('-15.00'), details: 'Pay Bill Charge', reasonType: 'Pay Bill Charge' }),
        row(4, 'R8', null, { withdrawnText: '-100.00', withdrawn: parseMoney('-100.00'), details: 'Business Payment to 2547…', reasonType: 'Business Payment' }),
        row(5, 'R9', '300.00', { otherParty: '254712345678 - BOB ONYANGO' }),
        row(6, 'R10', '300.00', { currency: 'USD' }),
      ],
      [],
    );
    expect(lines.map((l) => `${l.kind} ${l.note.split(':')[0]}`)).toEqual(['ignored a reversal', 'ignored a charge row', 'ignored a withdrawal', 'missingInOurs no payment here holds this receipt', 'ignored the amounts are in USD, not KES']);
    expect(receipts).toEqual([expect.objectContaining({ receipt: 'R9', phoneNumber: '254712345678', state: 'unmatched' })]);
  });
});
