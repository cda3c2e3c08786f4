// Reads an M-PESA org-portal statement (.xlsx or .csv) as it streams: the label rows of the
// preamble (Time Period, Short Code), then the header row, found by its text (`Receipt No.` and
// the others, in any order, case or spacing), then one record per row. Nothing depends on a
// column's position. See ../shared/DARAJA.md, "The M-PESA org-portal statement".
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { DomainError } from '../common/domain-error';
import { accountNumberText, CellValue, cellText, headerKey, Money, parseMoney, parseStatementTime } from './statement-values';

/** The columns a statement must have, by their header text in the portal's export. */
const REQUIRED = {
  receipt: 'Receipt No.',
  completionTime: 'Completion Time',
  transactionStatus: 'Transaction Status',
  paidIn: 'Paid In',
  withdrawn: 'Withdrawn',
} as const;
/** Read when present: `Details`, `Reason Type`, `Other Party Info`, `A/C No.`, `Currency`. */
type Column = keyof typeof REQUIRED | 'details' | 'reasonType' | 'otherParty' | 'accountNumber' | 'currency';

/** Header keys (statement-values headerKey) each column answers to. */
const ALIASES: Record<Column, string[]> = {
  receipt: ['receiptno', 'receiptnumber', 'receipt'],
  completionTime: ['completiontime', 'completedtime', 'completiondate'],
  transactionStatus: ['transactionstatus', 'status'],
  paidIn: ['paidin'],
  withdrawn: ['withdrawn', 'withdrawal', 'withdrawals', 'paidout'],
  details: ['details', 'description'],
  reasonType: ['reasontype'],
  otherParty: ['otherpartyinfo', 'otherparty'],
  accountNumber: ['acno', 'accountno', 'accountnumber', 'acnumber'],
  currency: ['currency'],
};

/** The header row is looked for in the first rows only: a preamble is a dozen label rows. */
const HEADER_SEARCH_ROWS = 100;
/**
 * 25,000 payments with their charge twins: far more than a clinic's month. The bound keeps one
 * import (its rows, its lines, their JSON) well inside the API process's 160 MB heap; past it,
 * export a shorter period.
 */
export const MAX_STATEMENT_ROWS = 50_000;
/** Long texts are cut: no statement cell needs more, and reports stay small. */
const MAX_CELL_TEXT = 500;

export interface StatementRow {
  /** The row's number in the sheet or file, from 1. */
  row: number;
  receipt: string;
  completionTime: string | null;
  completionTimeText: string;
  transactionStatus: string;
  paidInText: string | null;
  paidIn: Money;
  withdrawnText: string | null;
  withdrawn: Money;
  details: string | null;
  reasonType: string | null;
  otherParty: string | null;
  accountNumber: string | null;
  /** The `Currency` column when the export has one. */
  currency: string | null;
}

export interface Statement {
  format: 'xlsx' | 'csv';
  /** From the preamble's `Time Period: From … To …`, when it has one (UTC ISO). */
  periodFrom: string | null;
  periodTo: string | null;
  shortCode: string | null;
  headerRow: number;
  rows: StatementRow[];
}

export function notAStatement(message: string, extra: Record<string, unknown> = {}): DomainError {
  return new DomainError('VALIDATION_FAILED', message, { ...extra, fields: [{ field: 'file', messages: [message] }] });
}

const clip = (text: string): string => (text.length > MAX_CELL_TEXT ? `${text.slice(0, MAX_CELL_TEXT - 1)}…` : text);
/** Postgres cannot keep NUL in text or jsonb: a file that has one loses it. */
const clean = (text: string): string => clip(text.replace(/\u0000/g, ''));
const textOrNull = (value: CellValue): string | null => {
  const text = clean(cellText(value));
  return text === '' ? null : text;
};

/** Turns rows (cells in file order, 1-based row numbers) into a Statement. */
class StatementBuilder {
  private header: Map<Column, number> | null = null;
  private headerRow = 0;
  private periodFrom: string | null = null;
  private periodTo: string | null = null;
  private shortCode: string | null = null;
  private readonly rows: StatementRow[] = [];
  /** The row that looked most like a header, to say what it lacks. */
  private bestCandidate: { row: number; missing: string[] } | null = null;

  constructor(private readonly format: 'xlsx' | 'csv') {}

  get found(): boolean {
    return this.header !== null;
  }

  get searchedEnough(): boolean {
    return this.header === null && this.lastRow > HEADER_SEARCH_ROWS;
  }

  private lastRow = 0;

  add(rowNumber: number, cells: CellValue[]): void {
    this.lastRow = rowNumber;
    if (this.header) return this.addRecord(rowNumber, cells);
    if (rowNumber > HEADER_SEARCH_ROWS) return;
    const keys = cells.map((c) => headerKey(cellText(c)));
    if (keys.some((k) => ALIASES.receipt.includes(k))) {
      const columns = new Map<Column, number>();
      for (const column of Object.keys(ALIASES) as Column[]) {
        const index = keys.findIndex((k) => ALIASES[column].includes(k));
        if (index >= 0) columns.set(column, index);
      }
      const missing = (Object.keys(REQUIRED) as (keyof typeof REQUIRED)[]).filter((c) => !columns.has(c)).map((c) => REQUIRED[c]);
      if (missing.length === 0) {
        this.header = columns;
        this.headerRow = rowNumber;
        return;
      }
      if (!this.bestCandidate || missing.length < this.bestCandidate.missing.length) this.bestCandidate = { row: rowNumber, missing };
      return;
    }
    this.readPreamble(cells);
  }

  private readPreamble(cells: CellValue[]): void {
    const texts = cells.map((c) => cellText(c)).filter((t) => t !== '');
    const line = texts.join(' ');
    if (/time\s*period/i.test(line)) {
      // Date cells (a workbook may hold the two bounds as dates) or text `From … To …`.
      const dates = cells.filter((c): c is Date => c instanceof Date);
      if (dates.length >= 2) {
        this.periodFrom = parseStatementTime(dates[0]);
        this.periodTo = parseStatementTime(dates[1]);
        return;
      }
      const match = /from\s*:?\s*(.+?)\s+to\s*:?\s*(.+?)\s*$/i.exec(line);
      if (match) {
        this.periodFrom = parseStatementTime(match[1]);
        this.periodTo = parseStatementTime(match[2]);
      }
      return;
    }
    const shortCode = /short\s*code\s*:?\s*(\d{4,10})(?:\.0+)?\b/i.exec(line);
    if (shortCode) this.shortCode = shortCode[1];
  }

  private addRecord(rowNumber: number, cells: CellValue[]): void {
    const at = (column: Column): CellValue => {
      const index = this.header!.get(column);
      return index === undefined ? null : cells[index];
    };
    const receipt = clean(cellText(at('receipt')));
    const paidInText = textOrNull(at('paidIn'));
    const withdrawnText = textOrNull(at('withdrawn'));
    // Blank rows, and footers with neither receipt nor money (totals labels, "end of statement").
    if (receipt === '' && paidInText === null && withdrawnText === null) return;
    if (this.rows.length >= MAX_STATEMENT_ROWS) {
      throw notAStatement(`The statement has more than ${MAX_STATEMENT_ROWS} rows: export a shorter period`);
    }
    this.rows.push({
      row: rowNumber,
      receipt,
      completionTime: parseStatementTime(at('completionTime')),
      completionTimeText: clean(cellText(at('completionTime'))),
      transactionStatus: clean(cellText(at('transactionStatus'))),
      paidInText,
      paidIn: parseMoney(at('paidIn')),
      withdrawnText,
      withdrawn: parseMoney(at('withdrawn')),
      details: textOrNull(at('details')),
      reasonType: textOrNull(at('reasonType')),
      otherParty: textOrNull(at('otherParty')),
      currency: textOrNull(at('currency')),
      accountNumber: (() => {
        const text = accountNumberText(at('accountNumber'));
        return text === null ? null : clean(text);
      })(),
    });
  }

  finish(): Statement {
    if (!this.header) {
      const expected = Object.values(REQUIRED).join(', ');
      if (this.bestCandidate) {
        throw notAStatement(
          `Not an M-PESA statement: its header row (row ${this.bestCandidate.row}) has no ${this.bestCandidate.missing.join(', ')} column`,
          { missingColumns: this.bestCandidate.missing },
        );
      }
      throw notAStatement(
        `Not an M-PESA statement: no header row with the columns ${expected} in its first ${HEADER_SEARCH_ROWS} rows. ` +
          'Download the statement from the M-PESA org portal as Excel (.xlsx) or CSV.',
        { missingColumns: Object.values(REQUIRED) },
      );
    }
    return { format: this.format, periodFrom: this.periodFrom, periodTo: this.periodTo, shortCode: this.shortCode, headerRow: this.headerRow, rows: this.rows };
  }
}

/**
 * The file as a stream of small chunks: a parser handed the whole buffer as one chunk turns it all
 * into records before the reader takes the first (no backpressure), holding every row twice.
 */
function chunked(file: Buffer, progress?: Progress, size = 64 * 1024): Readable {
  return Readable.from((function* () {
    for (let at = 0; at < file.length; at += size) {
      progress?.tick();
      yield file.subarray(at, at + size);
    }
  })(), { objectMode: false });
}

/** A corrupt workbook can leave exceljs waiting for ever for a zip entry's end: this notices. */
export const XLSX_STALL_MS = 10_000;

class Progress {
  private last = Date.now();
  tick(): void {
    this.last = Date.now();
  }
  /** Rejects once nothing moved (no chunk read, no row) for `stallMs`. */
  watch<T>(work: Promise<T>, stallMs: number, onStall: () => Error): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setInterval(() => {
        if (Date.now() - this.last > stallMs) reject(onStall());
      }, Math.min(1000, stallMs));
    });
    return Promise.race([work, stalled]).finally(() => clearInterval(timer));
  }
}

const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]);

/** Reads the statement in `file`: an .xlsx workbook (a zip) or CSV text, told apart by content. */
export async function readStatement(file: Buffer): Promise<Statement> {
  if (file.length === 0) throw notAStatement('The file is empty');
  if (file.subarray(0, 4).equals(OLE)) {
    throw notAStatement('This is an Excel 97-2003 (.xls) workbook: open it in Excel and save it as .xlsx or .csv, then import that');
  }
  if (file.subarray(0, 5).toString('latin1') === '%PDF-') {
    throw notAStatement('This is a PDF: download the statement from the M-PESA org portal as Excel (.xlsx) or CSV');
  }
  return file.subarray(0, 4).equals(ZIP) ? readXlsx(file) : readCsv(file);
}

const UNREADABLE_XLSX = 'The file is not a readable .xlsx workbook: download the statement again from the M-PESA org portal as Excel (.xlsx) or CSV';

async function readXlsx(file: Buffer, stallMs = XLSX_STALL_MS): Promise<Statement> {
  const progress = new Progress();
  const input = chunked(file, progress);
  try {
    return await progress.watch(readWorkbook(input, progress), stallMs, () => notAStatement(UNREADABLE_XLSX));
  } finally {
    input.destroy();
  }
}

async function readWorkbook(input: Readable, progress: Progress): Promise<Statement> {
  let statement: Statement | null = null;
  let firstFailure: unknown = null;
  try {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
      worksheets: 'emit',
      sharedStrings: 'cache',
      styles: 'cache',
      hyperlinks: 'ignore',
      entries: 'ignore',
    });
    // The first sheet with a statement header is the statement; every sheet is read to its end, so
    // the reader finishes cleanly, but the others' rows are skipped.
    for await (const sheet of reader) {
      const builder: StatementBuilder | null = statement ? null : new StatementBuilder('xlsx');
      for await (const row of sheet) {
        progress.tick();
        if (!builder || builder.searchedEnough) continue;
        // exceljs rows are 1-based sparse arrays: index 0 is unused.
        builder.add(row.number, (row.values as CellValue[]).slice(1));
      }
      if (!builder) continue;
      try {
        statement = builder.finish();
      } catch (error) {
        firstFailure ??= error;
      }
    }
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw notAStatement(UNREADABLE_XLSX);
  }
  if (statement) return statement;
  throw firstFailure ?? notAStatement('The workbook has no worksheet');
}

async function readCsv(file: Buffer): Promise<Statement> {
  const builder = new StatementBuilder('csv');
  const parser = chunked(file).pipe(
    parse({ bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, info: true }),
  );
  try {
    for await (const record of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (builder.searchedEnough) break;
      builder.add(record.info.lines, record.record);
    }
  } catch (error) {
    if (error instanceof DomainError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw notAStatement(`The file is not a readable CSV statement (${clip(reason)})`);
  } finally {
    parser.destroy();
  }
  return builder.finish();
}
