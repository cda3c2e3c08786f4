// Reads the asynchronous answers of Daraja's initiator APIs (Transaction Status, Reversal): the
// synchronous acknowledgement and the Result POSTed later to ResultURL, in every variant DARAJA.md
// lists (codes as numbers or strings, one ResultParameter object instead of a list, items without a
// Value, keys with spaces, `OriginatorCoversationID`). Pure functions: no I/O, no Nest.

type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `Response Status`, `responsestatus` and `ResponseStatus` are one key: spaces and case never matter. */
const squash = (key: string) => key.replace(/[\s_]+/g, '').toLowerCase();

/** The value under the first of `names` the object has, comparing keys without spaces and case. */
export function field(source: unknown, ...names: string[]): unknown {
  if (!isObject(source)) return undefined;
  for (const name of names) {
    if (Object.hasOwn(source, name)) return source[name];
  }
  const wanted = new Set(names.map(squash));
  for (const [key, value] of Object.entries(source)) if (wanted.has(squash(key))) return value;
  return undefined;
}

/** Codes as text: `0` and `"0"` are both `"0"`; `"R000001"` stays as it is. */
export function codeText(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return null;
}

export function text(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** A number from a number or a decimal string (`450.0`, `"450.00"`); null otherwise. */
export function numberOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return null;
}

export class DarajaResultParseError extends Error {
  constructor(message: string) {
    super(`Invalid Daraja result: ${message}`);
    this.name = 'DarajaResultParseError';
  }
}

function toObject(body: unknown): unknown {
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) return body;
  try {
    return JSON.parse(body.toString()) as unknown;
  } catch {
    throw new DarajaResultParseError('body is not JSON');
  }
}

/** A parameter's value as sent: number, string, or null for an item with no Value. */
export type ResultValue = string | number | null;

export interface ParsedDarajaResult {
  resultType: string | null;
  /** always text: numeric codes arrive as numbers, others (`R000001`) as strings */
  resultCode: string;
  resultDesc: string;
  originatorConversationId: string;
  conversationId: string;
  /** for Transaction Status a placeholder, for a Reversal the new receipt */
  transactionId: string | null;
  /** by Key; an item without a Value is present with null */
  parameters: Record<string, ResultValue>;
  referenceData: Record<string, ResultValue>;
}

/** `{Key, Value}` items as a map; the list may be a single object. Items without a Key are skipped. */
function keyedItems(container: unknown, listName: string): Record<string, ResultValue> {
  const items: Record<string, ResultValue> = {};
  const list = field(container, listName);
  const entries = Array.isArray(list) ? list : isObject(list) ? [list] : [];
  for (const item of entries) {
    const key = text(field(item, 'Key', 'Name'));
    if (key === null) continue;
    const value = field(item, 'Value');
    items[key] = typeof value === 'number' || typeof value === 'string' ? value : null;
  }
  return items;
}

/** ConversationID and OriginatorConversationID of a Result, or null when the body has neither. */
export function resultIdentifiers(body: unknown): { conversationId: string | null; originatorConversationId: string | null } | null {
  let root: unknown;
  try {
    root = toObject(body);
  } catch {
    return null;
  }
  const result = field(root, 'Result');
  if (!isObject(result)) return null;
  const conversationId = text(field(result, 'ConversationID'));
  const originatorConversationId = text(field(result, 'OriginatorConversationID', 'OriginatorCoversationID'));
  return conversationId === null && originatorConversationId === null ? null : { conversationId, originatorConversationId };
}

/** The Result POSTed to ResultURL. Accepts parsed JSON or the raw body. */
export function parseDarajaResult(body: unknown): ParsedDarajaResult {
  const root = toObject(body);
  if (!isObject(root)) throw new DarajaResultParseError('body must be a JSON object');
  const result = field(root, 'Result');
  if (!isObject(result)) throw new DarajaResultParseError('Result is missing');
  const resultCode = codeText(field(result, 'ResultCode'));
  if (resultCode === null) throw new DarajaResultParseError('Result.ResultCode must be a number or a non-empty string');
  const conversationId = text(field(result, 'ConversationID'));
  const originatorConversationId = text(field(result, 'OriginatorConversationID', 'OriginatorCoversationID'));
  if (conversationId === null && originatorConversationId === null) {
    throw new DarajaResultParseError('Result has neither ConversationID nor OriginatorConversationID');
  }
  return {
    resultType: codeText(field(result, 'ResultType')),
    resultCode,
    resultDesc: text(field(result, 'ResultDesc')) ?? '',
    originatorConversationId: originatorConversationId ?? '',
    conversationId: conversationId ?? '',
    transactionId: text(field(result, 'TransactionID')),
    parameters: keyedItems(field(result, 'ResultParameters'), 'ResultParameter'),
    referenceData: keyedItems(field(result, 'ReferenceData'), 'ReferenceItem'),
  };
}

export interface InitiatorAcknowledgement {
  originatorConversationId: string;
  conversationId: string;
  responseCode: string;
  responseDescription: string;
}

/** The HTTP 200 acknowledgement; null when it lacks a ResponseCode or both ids. */
export function parseInitiatorAcknowledgement(body: unknown): InitiatorAcknowledgement | null {
  if (!isObject(body)) return null;
  const responseCode = codeText(field(body, 'ResponseCode'));
  const conversationId = text(field(body, 'ConversationID'));
  const originatorConversationId = text(field(body, 'OriginatorConversationID', 'OriginatorCoversationID'));
  if (responseCode === null || (conversationId === null && originatorConversationId === null)) return null;
  return {
    responseCode,
    conversationId: conversationId ?? '',
    originatorConversationId: originatorConversationId ?? '',
    responseDescription: text(field(body, 'ResponseDescription')) ?? '',
  };
}

/** `"0712345678 - JANE  WANJIKU MWANGI"` → its MSISDN part and name (spaces collapsed); either may be null. */
export function splitPartyName(value: ResultValue | undefined): { identifier: string | null; name: string | null } {
  const raw = typeof value === 'number' ? String(value) : (value ?? '');
  const dash = raw.indexOf(' - ');
  const [left, right] = dash >= 0 ? [raw.slice(0, dash), raw.slice(dash + 3)] : /^\s*[\d*]+\s*$/.test(raw) ? [raw, ''] : ['', raw];
  const identifier = left.trim() || null;
  const name = right.replace(/\s+/g, ' ').trim() || null;
  return { identifier, name };
}

/** `YYYYMMDDHHmmss` in Nairobi time (number or string) → ISO UTC; null for anything else. */
export function nairobiTimeToIso(value: ResultValue | undefined): string | null {
  const raw = value === null || value === undefined ? '' : String(value).trim();
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(raw);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const at = new Date(Date.UTC(y, mo - 1, d, h - 3, mi, s));
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

export interface TransactionStatusOutcome {
  resultCode: string;
  resultDesc: string;
  /** ResultCode 0 with a ReceiptNo */
  found: boolean;
  receipt: string | null;
  amount: number | null;
  /** the payer's MSISDN as M-Pesa wrote it (07 or 254 form), and the name */
  debitParty: { identifier: string | null; name: string | null };
  creditParty: { identifier: string | null; name: string | null };
  transactionStatus: string | null;
  reasonType: string | null;
  initiatedAt: string | null;
  finalisedAt: string | null;
}

/** What a Transaction Status result says about the receipt. Match on ReceiptNo, never the envelope's TransactionID. */
export function readTransactionStatusResult(result: ParsedDarajaResult): TransactionStatusOutcome {
  const p = result.parameters;
  const receipt = text(p.ReceiptNo);
  return {
    resultCode: result.resultCode,
    resultDesc: result.resultDesc,
    found: result.resultCode === '0' && receipt !== null,
    receipt,
    amount: numberOf(p.Amount),
    debitParty: splitPartyName(p.DebitPartyName),
    creditParty: splitPartyName(p.CreditPartyName),
    transactionStatus: text(p.TransactionStatus),
    reasonType: text(p.ReasonType),
    initiatedAt: nairobiTimeToIso(p.InitiatedTime),
    finalisedAt: nairobiTimeToIso(p.FinalisedTime),
  };
}

export interface ReversalOutcome {
  resultCode: string;
  resultDesc: string;
  reversed: boolean;
  alreadyReversed: boolean;
  /** the reversal's own receipt (the envelope's TransactionID) */
  reversalReceipt: string | null;
  originalReceipt: string | null;
  amount: number | null;
  charge: number | null;
  completedAt: string | null;
}

export function readReversalResult(result: ParsedDarajaResult): ReversalOutcome {
  const p = result.parameters;
  const reversed = result.resultCode === '0';
  return {
    resultCode: result.resultCode,
    resultDesc: result.resultDesc,
    reversed,
    alreadyReversed: result.resultCode.toUpperCase() === 'R000001',
    reversalReceipt: reversed ? result.transactionId : null,
    originalReceipt: text(p.OriginalTransactionID),
    amount: numberOf(p.Amount),
    charge: numberOf(p.Charge),
    completedAt: nairobiTimeToIso(p.TransCompletedTime),
  };
}
