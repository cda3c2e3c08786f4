// The M-PESA org-portal statement of the simulator's ledger, as .xlsx and .csv: label rows first,
// then a header row starting `Receipt No.`, newest first, a twin `Pay Bill Charge` row per payment,
// parties masked (DARAJA.md, "The M-PESA org-portal statement"). No Safaricom document describes
// the file: this follows what importers of real exports show.
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import type { LedgerEntry } from './simulator-ledger.store';

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
  'Currency',
] as const;

export type StatementCell = string | number | null;
export type StatementRow = Record<(typeof STATEMENT_HEADERS)[number], StatementCell>;

export interface StatementInput {
  entries: LedgerEntry[];
  /** balance before the first entry */
  openingBalance: number;
  from: number;
  to: number;
  shortcode: string;
  organization: string;
  now: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `DD-MM-YYYY HH:mm:ss` in Nairobi time. */
export function statementTime(ms: number): string {
  const t = new Date(ms + 3 * 3600_000);
  return `${pad(t.getUTCDate())}-${pad(t.getUTCMonth() + 1)}-${t.getUTCFullYear()} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
}

/** `254708374149` → `25470****149`: what the portal shows, never enough to identify a payer. */
export function maskMsisdn(msisdn: string): string {
  return `${msisdn.slice(0, 5)}****${msisdn.slice(-3)}`;
}

/** `ALICE NJERI KARIUKI` → `ALICE ****`. */
export function maskName(name: string): string {
  return `${name.split(/\s+/)[0]} ****`;
}

const cents = (n: number) => Math.round(n * 100) / 100;

/** The data rows, newest first (each payment's charge row above it, as it came after it). */
export function statementRows(input: StatementInput): StatementRow[] {
  const rows: StatementRow[] = [];
  let balance = input.openingBalance;
  const row = (e: LedgerEntry, changes: Partial<StatementRow>): StatementRow => ({
    'Receipt No.': e.receipt,
    'Completion Time': statementTime(e.completedAt),
    'Initiation Time': statementTime(e.initiatedAt),
    Details: '',
    'Transaction Status': 'Completed',
    'Paid In': null,
    Withdrawn: null,
    Balance: null,
    'Balance Confirmed': 'true',
    'Reason Type': '',
    'Other Party Info': '',
    'Linked Transaction ID': '',
    'A/C No.': '',
    Currency: 'KES',
    ...changes,
  });
  for (const e of input.entries) {
    const party = `${maskMsisdn(e.msisdn)} - ${maskName(e.name)}`;
    if (e.kind === 'reversal') {
      balance = cents(balance - e.amount);
      rows.push(row(e, { Details: `Reversal of ${e.originalReceipt} to ${party}`, Withdrawn: -e.amount, Balance: balance, 'Reason Type': 'Pay Bill Reversal', 'Other Party Info': party, 'Linked Transaction ID': e.originalReceipt ?? '' }));
      continue;
    }
    balance = cents(balance + e.amount);
    rows.push(row(e, {
      Details: `Pay Bill from ${party}${e.billReference ? ` Acc. ${e.billReference}` : ''}`,
      'Paid In': e.amount,
      Balance: balance,
      'Reason Type': e.kind === 'stk' ? 'Pay Bill Online' : 'Pay Bill',
      'Other Party Info': party,
      'A/C No.': e.billReference,
    }));
    if (e.charge > 0) {
      balance = cents(balance - e.charge);
      rows.push(row(e, { Details: 'Pay Bill Charge', Withdrawn: -e.charge, Balance: balance, 'Reason Type': 'Pay Bill Charge' }));
    }
  }
  return rows.reverse();
}

/** Label rows, a blank row, the header row, the data rows: one table of cells for both formats. */
export function statementTable(input: StatementInput): StatementCell[][] {
  const rows = statementRows(input);
  const closing = rows.length > 0 ? (rows[0].Balance as number) : input.openingBalance;
  return [
    ['Account Holder:', input.organization],
    ['Short Code:', input.shortcode],
    ['Account:', 'Utility Account'],
    [`Time Period: From ${statementTime(input.from)} To ${statementTime(input.to)}`],
    ['Operator:', 'Simulator Operator'],
    ['Date of Report:', statementTime(input.now)],
    ['Opening Balance:', input.openingBalance.toFixed(2)],
    ['Closing Balance:', closing.toFixed(2)],
    [],
    [...STATEMENT_HEADERS],
    ...rows.map((r) => STATEMENT_HEADERS.map((h) => r[h])),
  ];
}

export function statementCsv(input: StatementInput): string {
  const money = (v: StatementCell) => (typeof v === 'number' ? v.toFixed(2) : (v ?? ''));
  return stringify(statementTable(input).map((cells) => cells.map(money)));
}

export async function statementXlsx(input: StatementInput): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Daraja simulator';
  const sheet = workbook.addWorksheet('Statement');
  for (const cells of statementTable(input)) sheet.addRow(cells.map((c) => (c === null ? '' : c)));
  for (const key of ['F', 'G', 'H']) sheet.getColumn(key).numFmt = '#,##0.00';
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
