// The Report of the contract ("Ledger reconciliation"): what one comparison of our books with
// M-Pesa's found, line by line. `kind` of a line is the name of the count it adds to.

export const LINE_KINDS = ['matched', 'amountDiffers', 'missingInOurs', 'missingInMpesa', 'duplicates', 'ignored'] as const;
export type LineKind = (typeof LINE_KINDS)[number];
export type ReportCounts = Record<LineKind, number>;
export type ReportSource = 'statement' | 'ledger-pull';

/** The payment a line is about, as our books have it. */
export interface OursSide {
  paymentId: string;
  amount: number;
  status: string;
  receipt: string | null;
  accountReference: string;
  completedAt: string | null;
}

/** The statement row a line is about, as M-Pesa's file has it (texts as read, times in UTC). */
export interface MpesaSide {
  /** The row's number in the sheet or CSV file, counting from 1. */
  row: number;
  /** Whole KES, or null when Paid In is empty, unreadable or has cents (see `paidIn` and the note). */
  amount: number | null;
  paidIn: string | null;
  withdrawn: string | null;
  completionTime: string | null;
  transactionStatus: string;
  details: string | null;
  reasonType: string | null;
  otherParty: string | null;
  accountNumber: string | null;
}

export interface ReportLine {
  kind: LineKind;
  receipt: string | null;
  paymentId: string | null;
  ours: OursSide | null;
  mpesa: MpesaSide | null;
  note: string;
}

export interface ReportSummary {
  id: string;
  source: ReportSource;
  periodFrom: string;
  periodTo: string;
  createdAt: string;
  fileName: string | null;
  counts: ReportCounts;
}

export interface Report extends ReportSummary {
  lines: ReportLine[];
}

export function countLines(lines: readonly ReportLine[]): ReportCounts {
  const counts = Object.fromEntries(LINE_KINDS.map((k) => [k, 0])) as ReportCounts;
  for (const line of lines) counts[line.kind] += 1;
  return counts;
}

/**
 * A line with its keys in the documented order. jsonb keeps its own key order, so lines read back
 * from Postgres are rebuilt through this: a report reads the same whether just written or replayed.
 */
export function orderedLine(line: ReportLine): ReportLine {
  const ours = line.ours && {
    paymentId: line.ours.paymentId,
    amount: line.ours.amount,
    status: line.ours.status,
    receipt: line.ours.receipt,
    accountReference: line.ours.accountReference,
    completedAt: line.ours.completedAt,
  };
  const mpesa = line.mpesa && {
    row: line.mpesa.row,
    amount: line.mpesa.amount,
    paidIn: line.mpesa.paidIn,
    withdrawn: line.mpesa.withdrawn,
    completionTime: line.mpesa.completionTime,
    transactionStatus: line.mpesa.transactionStatus,
    details: line.mpesa.details,
    reasonType: line.mpesa.reasonType,
    otherParty: line.mpesa.otherParty,
    accountNumber: line.mpesa.accountNumber,
  };
  return { kind: line.kind, receipt: line.receipt, paymentId: line.paymentId, ours, mpesa, note: line.note };
}
