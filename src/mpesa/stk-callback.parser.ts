// Reads Daraja's STK callback in every shape DARAJA.md documents; anything else is a CallbackParseError.
import { normalizePhoneNumber } from './phone-number';

export interface ParsedStkCallback {
  merchantRequestId: string;
  checkoutRequestId: string;
  /** always a string: numeric codes arrive as numbers, others (`SFC_IC0003`) as strings */
  resultCode: string;
  resultDesc: string;
  amount: number | null;
  mpesaReceiptNumber: string | null;
  /**
   * As Daraja sent it, normally `YYYYMMDDHHmmss` in Nairobi time; an unusual form is kept as
   * received (never a reason to lose the receipt): read it with transactionDateToIso().
   */
  transactionDate: string | null;
  /** normalised MSISDN, or null when absent or not a phone number (Daraja has been seen masking it) */
  phoneNumber: string | null;
}

export class CallbackParseError extends Error {
  constructor(message: string) {
    super(`Invalid STK callback: ${message}`);
    this.name = 'CallbackParseError';
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function requiredString(source: Json, key: string): string {
  const value = source[key];
  if (typeof value !== 'string' || value.trim() === '') throw new CallbackParseError(`Body.stkCallback.${key} must be a non-empty string`);
  return value.trim();
}

function resultCodeOf(value: unknown): string {
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  throw new CallbackParseError('Body.stkCallback.ResultCode must be a number or a non-empty string');
}

function toObject(body: unknown): unknown {
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) return body;
  try {
    return JSON.parse(body.toString()) as unknown;
  } catch {
    throw new CallbackParseError('body is not JSON');
  }
}

/** Only the CheckoutRequestID, for deciding whether a body is worth storing at all; null when absent. */
export function extractCheckoutRequestId(body: unknown): string | null {
  try {
    const root = toObject(body);
    const callback = isObject(root) && isObject(root.Body) ? root.Body.stkCallback : undefined;
    const id = isObject(callback) ? callback.CheckoutRequestID : undefined;
    return typeof id === 'string' && id.trim() !== '' ? id.trim() : null;
  } catch {
    return null;
  }
}

/** Accepts the parsed JSON, or the raw body as a string or Buffer. */
export function parseStkCallback(body: unknown): ParsedStkCallback {
  const root = toObject(body);
  if (!isObject(root)) throw new CallbackParseError('body must be a JSON object');
  if (!isObject(root.Body)) throw new CallbackParseError('Body is missing');
  const callback = root.Body.stkCallback;
  if (!isObject(callback)) throw new CallbackParseError('Body.stkCallback is missing');

  const items = metadataItems(callback.CallbackMetadata);
  return {
    merchantRequestId: requiredString(callback, 'MerchantRequestID'),
    checkoutRequestId: requiredString(callback, 'CheckoutRequestID'),
    resultCode: resultCodeOf(callback.ResultCode),
    resultDesc: typeof callback.ResultDesc === 'string' ? callback.ResultDesc : '',
    amount: amountOf(items.get('Amount')),
    mpesaReceiptNumber: receiptOf(items.get('MpesaReceiptNumber')),
    transactionDate: transactionDateOf(items.get('TransactionDate')),
    phoneNumber: phoneOf(items.get('PhoneNumber')),
  };
}

/** Items by Name, never by position: Balance often has no Value and the order is not promised. */
function metadataItems(metadata: unknown): Map<string, unknown> {
  const items = new Map<string, unknown>();
  if (metadata === undefined || metadata === null) return items;
  if (!isObject(metadata)) throw new CallbackParseError('Body.stkCallback.CallbackMetadata must be an object');
  const list = Array.isArray(metadata.Item) ? metadata.Item : isObject(metadata.Item) ? [metadata.Item] : null;
  if (!list) throw new CallbackParseError('Body.stkCallback.CallbackMetadata.Item must be a list');
  for (const item of list) {
    if (!isObject(item) || typeof item.Name !== 'string') throw new CallbackParseError('every CallbackMetadata item needs a Name');
    items.set(item.Name, item.Value);
  }
  return items;
}

function amountOf(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0) throw new CallbackParseError('Amount must be a non-negative number');
  return n;
}

/** Kept as received: a receipt is never refused for its form (a number is read as its digits). */
function receiptOf(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const raw = typeof value === 'string' ? value.trim() : typeof value === 'number' && Number.isFinite(value) ? String(value) : null;
  if (raw === null) throw new CallbackParseError('MpesaReceiptNumber must be a string');
  return raw === '' ? null : raw;
}

/** Kept as received, whatever its form; only an object or a list is not a date at all. */
function transactionDateOf(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const raw = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim() : null;
  if (raw === null) throw new CallbackParseError('TransactionDate must be a number or a string');
  return raw === '' ? null : raw;
}

/**
 * The instant a TransactionDate names, when it is the documented `YYYYMMDDHHmmss` (Nairobi time,
 * UTC+3) and a real date; null for any other form (the raw value is kept elsewhere).
 */
export function transactionDateToIso(raw: string | null): string | null {
  const match = raw ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(raw) : null;
  if (!match) return null;
  const [y, mo, d, h, mi, se] = match.slice(1).map(Number);
  const at = new Date(Date.UTC(y, mo - 1, d, h - 3, mi, se));
  const back = new Date(at.getTime() + 3 * 3600_000);
  const same = back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && back.getUTCHours() === h && back.getUTCMinutes() === mi && back.getUTCSeconds() === se;
  return same ? at.toISOString() : null;
}

function phoneOf(value: unknown): string | null {
  const raw = typeof value === 'number' && Number.isInteger(value) ? String(value) : typeof value === 'string' ? value : null;
  return raw === null ? null : normalizePhoneNumber(raw);
}
