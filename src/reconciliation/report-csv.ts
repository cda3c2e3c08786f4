// A Report's lines as CSV for a spreadsheet (GET /api/reconciliation/reports/:id?format=csv).
// Statement texts come from outside (a payer's name, a Details field): a cell that a spreadsheet
// would run as a formula is neutralised, per OWASP's CSV injection advice, by a leading `'`.
import { stringify } from 'csv-stringify/sync';
import type { ReportLine } from './report';

export const CSV_COLUMNS = [
  'kind',
  'receipt',
  'paymentId',
  'oursAmount',
  'oursStatus',
  'oursReceipt',
  'oursAccountReference',
  'oursCompletedAt',
  'mpesaRow',
  'mpesaAmount',
  'mpesaPaidIn',
  'mpesaWithdrawn',
  'mpesaCompletionTime',
  'mpesaTransactionStatus',
  'mpesaDetails',
  'mpesaReasonType',
  'mpesaOtherParty',
  'mpesaAccountNumber',
  'note',
] as const;

/** `=`, `+`, `-`, `@`, tab and carriage return start formulas (or DDE) in Excel, LibreOffice and Sheets. */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function cells(line: ReportLine): (string | number | null)[] {
  const o = line.ours;
  const m = line.mpesa;
  return [
    line.kind,
    line.receipt,
    line.paymentId,
    o?.amount ?? null,
    o?.status ?? null,
    o?.receipt ?? null,
    o?.accountReference ?? null,
    o?.completedAt ?? null,
    m?.row ?? null,
    m?.amount ?? null,
    m?.paidIn ?? null,
    m?.withdrawn ?? null,
    m?.completionTime ?? null,
    m?.transactionStatus ?? null,
    m?.details ?? null,
    m?.reasonType ?? null,
    m?.otherParty ?? null,
    m?.accountNumber ?? null,
    line.note,
  ];
}

/** UTF-8 with a byte order mark, so Excel reads names and notes as UTF-8; CRLF line ends (RFC 4180). */
export function reportCsv(lines: readonly ReportLine[]): string {
  const rows = lines.map((line) => cells(line).map((cell) => (cell === null ? '' : neutraliseCell(String(cell)))));
  return `\ufeff${stringify([[...CSV_COLUMNS], ...rows], { record_delimiter: 'windows' })}`;
}
