// Reading the values of an org-portal statement's cells: money (integer KES, never rounded), times
// (EAT wall clock in the file, UTC here) and header texts. Cells come from exceljs (strings,
// numbers, Dates, rich text, formulas) or csv-parse (strings).
import { normalizePhoneNumber } from '../mpesa/phone-number';

/** Kenya has kept UTC+3 (EAT) all year since 1960: no daylight saving to allow for. */
const EAT_OFFSET_MS = 3 * 60 * 60 * 1000;
const MS_PER_DAY = 86_400_000;
/** Excel's day 0 is 1899-12-30 (the 1900 leap-year bug folded in); day 25569 is 1970-01-01. */
const EXCEL_EPOCH_DAYS = 25_569;

/** A cell as exceljs or csv-parse hands it over. */
export type CellValue = unknown;

/** The text a person sees in a cell. */
export function cellText(value: CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (typeof value === 'object') {
    const v = value as { richText?: { text?: string }[]; text?: unknown; result?: unknown; error?: unknown };
    if (Array.isArray(v.richText)) return v.richText.map((part) => part.text ?? '').join('').trim();
    if (v.result !== undefined) return cellText(v.result);
    if (v.text !== undefined) return cellText(v.text);
    if (v.error !== undefined) return '';
  }
  return '';
}

/** The cell's own value: a formula's result, a hyperlink's text, rich text as a string. */
export function cellValue(value: CellValue): string | number | Date | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || value instanceof Date) return value;
  if (typeof value === 'object' && (value as { result?: unknown }).result !== undefined) return cellValue((value as { result: unknown }).result);
  const text = cellText(value);
  return text === '' ? null : text;
}

/** `Receipt No.`, `receipt  no`, `RECEIPT NO:` → `receiptno`: headers compared without case, spacing or punctuation. */
export function headerKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export interface Money {
  /** Whole KES; null when the cell is empty or its value is not whole shillings. */
  value: number | null;
  /** Why a non-empty cell has no value: not a number, or cents. */
  problem: string | null;
}

const AMOUNT = /^(\d+|\d{1,3}(?:,\d{3})+)(?:\.(\d+))?$/;

/**
 * `1,000.00`, `1000`, `850060.0`, `-50.00`, `(50.00)`, `KES 1,000.00`, or a number cell. Cents
 * other than zero are refused rather than rounded: M-Pesa amounts of this service are whole
 * shillings, and a fraction means the row is not what we think it is.
 */
export function parseMoney(raw: CellValue): Money {
  const value = cellValue(raw);
  if (value === null) return { value: null, problem: null };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { value: null, problem: `"${value}" is not an amount` };
    // A number cell of 1000.5 is a fraction; 1000.0000000001 is floating-point noise of a whole one.
    const whole = Math.round(value);
    if (Math.abs(value - whole) > 1e-6) return { value: null, problem: `${value} is not whole shillings` };
    return Number.isSafeInteger(whole) ? { value: whole, problem: null } : { value: null, problem: `${value} is too large` };
  }
  if (value instanceof Date) return { value: null, problem: 'a date, not an amount' };
  const text = value.trim();
  if (text === '' || text === '-') return { value: null, problem: null };
  let body = text.replace(/^(kes|ksh|kshs)\.?\s*/i, '').replace(/\s+/g, '');
  let negative = false;
  if (/^\(.*\)$/.test(body)) {
    negative = true;
    body = body.slice(1, -1);
  }
  if (/^[-+]/.test(body)) {
    negative = negative || body[0] === '-';
    body = body.slice(1);
  }
  const match = AMOUNT.exec(body);
  if (!match) return { value: null, problem: `"${text}" is not an amount` };
  if (match[2] && /[1-9]/.test(match[2])) return { value: null, problem: `${text} is not whole shillings` };
  const whole = Number(match[1].replace(/,/g, ''));
  if (!Number.isSafeInteger(whole)) return { value: null, problem: `${text} is too large` };
  return { value: negative ? -whole : whole, problem: null };
}

function fromEatWallClock(year: number, month: number, day: number, hour: number, minute: number, second: number): string | null {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(utc);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null; // 31-02-2026
  return new Date(utc - EAT_OFFSET_MS).toISOString();
}

const DAY_FIRST = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const YEAR_FIRST = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * A statement time (`DD-MM-YYYY HH:mm:ss` in EAT, an Excel serial, or a date cell, whose wall
 * clock exceljs hands over as UTC) as an ISO 8601 UTC instant; null when it is not a time.
 */
export function parseStatementTime(raw: CellValue): string | null {
  const value = cellValue(raw);
  if (value === null) return null;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return null;
    return new Date(value.getTime() - EAT_OFFSET_MS).toISOString();
  }
  if (typeof value === 'number' || /^\d+(\.\d+)?$/.test(value.trim())) {
    const serial = Number(value);
    // Excel serials of this century: 36526 is 2000-01-01, 73051 is 2100-01-01.
    if (!(serial > 36_526 && serial < 73_051)) return null;
    const wallClockMs = Math.round((serial - EXCEL_EPOCH_DAYS) * MS_PER_DAY / 1000) * 1000;
    return new Date(wallClockMs - EAT_OFFSET_MS).toISOString();
  }
  const text = value.trim();
  const dayFirst = DAY_FIRST.exec(text);
  if (dayFirst) {
    const [, d, m, y, hh = '0', mm = '0', ss = '0'] = dayFirst;
    return fromEatWallClock(Number(y), Number(m), Number(d), Number(hh), Number(mm), Number(ss));
  }
  const yearFirst = YEAR_FIRST.exec(text);
  if (yearFirst) {
    const [, y, m, d, hh = '0', mm = '0', ss = '0'] = yearFirst;
    return fromEatWallClock(Number(y), Number(m), Number(d), Number(hh), Number(mm), Number(ss));
  }
  return null;
}

/**
 * The payer's phone from `Other Party Info` (`254712345678 - JANE DOE`), only when it is shown
 * whole: a masked number (`25471****678`) identifies nobody and gives null.
 */
export function unmaskedPhone(otherParty: string | null): string | null {
  if (!otherParty || otherParty.includes('*')) return null;
  const match = /^\s*(\+?\d[\d ]{8,14}\d)\b/.exec(otherParty);
  return match ? normalizePhoneNumber(match[1]) : null;
}

/** Numeric cells may read `850060.0`: an account number is text, the `.0` Excel's. */
export function accountNumberText(raw: CellValue): string | null {
  const text = cellText(raw);
  if (text === '') return null;
  return /^\d+\.0+$/.test(text) ? text.replace(/\.0+$/, '') : text;
}
