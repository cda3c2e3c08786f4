// Builds M-PESA org-portal statements as the portal exports them (../shared/DARAJA.md, "The M-PESA
// org-portal statement"): label rows first (Account Holder, Short Code, Account, Time Period,
// Operator, Date of Report, balances), a blank row, then the header row starting `Receipt No.`
// and one row per transaction, as .xlsx (exceljs) or .csv (csv-stringify).
import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';

export const STATEMENT_HEADERS = [
  'Receipt No.',
  'Completion Time',
  'Initiation Time',
  'Details',
  'Transaction Status',
  'Paid In',
  'Withdrawn',
  'Balance',
  'Balance Confirmed',
  'Reason Type',
  'Other Party Info',
  'Linked Transaction ID',
  'A/C No.',
] as const;

export type StatementHeader = (typeof STATEMENT_HEADERS)[number];
export type StatementRowInput = Partial<Record<StatementHeader, string | number | Date | null>>;

export interface StatementInput {
  shortCode?: string;
  /** `DD-MM-YYYY HH:mm:ss` (EAT); left out of the preamble when null. */
  periodFrom?: string | null;
  periodTo?: string | null;
  rows: StatementRowInput[];
  /** The header row as written: the default is the portal's, in its order. */
  headers?: readonly string[];
  /** Which of STATEMENT_HEADERS each written header is (same order as `headers`). */
  columns?: readonly StatementHeader[];
}

/** `2026-06-10T07:00:00Z` → `10-06-2026 10:00:00`: the portal writes EAT wall-clock times. */
export function eat(iso: string): string {
  const d = new Date(Date.parse(iso) + 3 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}-${p(d.getUTCMonth() + 1)}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

function sheetRows(input: StatementInput): (string | number | Date | null)[][] {
  const headers = input.headers ?? STATEMENT_HEADERS;
  const columns = input.columns ?? STATEMENT_HEADERS;
  const preamble: (string | null)[][] = [
    ['Account Holder:', 'ACME MEDICAL CLINIC LTD'],
    ['Short Code:', input.shortCode ?? '174379'],
    ['Account:', 'Utility Account'],
    ...(input.periodFrom === null ? [] : [['Time Period:', `From ${input.periodFrom ?? '01-06-2026 00:00:00'} To ${input.periodTo ?? '30-06-2026 23:59:59'}`]]),
    ['Operator:', 'JANE ACCOUNTANT'],
    ['Date of Report:', '01-07-2026 08:15:42'],
    ['Opening Balance:', '0.00'],
    ['Closing Balance:', '12,345.00'],
    ['Available Balance:', '12,345.00'],
    [],
  ];
  return [...preamble, [...headers], ...input.rows.map((row) => columns.map((c) => row[c] ?? null))];
}

export async function statementXlsx(input: StatementInput): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Statement');
  for (const row of sheetRows(input)) sheet.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export function statementCsv(input: StatementInput): Buffer {
  const rows = sheetRows(input).map((r) => r.map((c) => (c instanceof Date ? c.toISOString() : c)));
  return Buffer.from(stringify(rows, { record_delimiter: 'windows' }), 'utf8');
}

/** A customer's payment row and its `Pay Bill Charge` twin (same receipt, no Paid In). */
export function paidInRows(receipt: string, completedIso: string, paidIn: string, accountNumber: string, otherParty = '25470****111 - ALICE ****'): StatementRowInput[] {
  const at = eat(completedIso);
  return [
    {
      'Receipt No.': receipt,
      'Completion Time': at,
      'Initiation Time': at,
      Details: `Pay Bill from ${otherParty} Acc. ${accountNumber}`,
      'Transaction Status': 'Completed',
      'Paid In': paidIn,
      Withdrawn: null,
      Balance: '1,000.00',
      'Balance Confirmed': 'true',
      'Reason Type': 'Pay Bill Online',
      'Other Party Info': otherParty,
      'Linked Transaction ID': null,
      'A/C No.': accountNumber,
    },
    {
      'Receipt No.': receipt,
      'Completion Time': at,
      'Initiation Time': at,
      Details: 'Pay Bill Charge',
      'Transaction Status': 'Completed',
      'Paid In': null,
      Withdrawn: '-15.00',
      Balance: '985.00',
      'Balance Confirmed': 'true',
      'Reason Type': 'Pay Bill Charge',
      'Other Party Info': null,
      'Linked Transaction ID': null,
      'A/C No.': accountNumber,
    },
  ];
}

/** Money moved from the utility account to the working account: a settlement row. */
export function settlementRow(receipt: string, completedIso: string, withdrawn: string): StatementRowInput {
  const at = eat(completedIso);
  return {
    'Receipt No.': receipt,
    'Completion Time': at,
    'Initiation Time': at,
    Details: 'Funds Transfer to Working Account - ACME MEDICAL CLINIC LTD',
    'Transaction Status': 'Completed',
    'Paid In': null,
    Withdrawn: withdrawn,
    Balance: '0.00',
    'Balance Confirmed': 'true',
    'Reason Type': 'Organization Settlement',
    'Other Party Info': '174379 - ACME MEDICAL CLINIC LTD',
    'Linked Transaction ID': null,
    'A/C No.': null,
  };
}
