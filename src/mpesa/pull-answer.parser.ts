// Reads Pull Transactions answers (register and query) in every variant DARAJA.md lists: spaced
// keys, ResponseRefID or RequestID, codes as numbers or strings, `Response` as an array of arrays or
// a flat list, msisdn as a number (possibly short or masked), amount as a decimal string, trxDate
// with +03:00 or Z. Pure functions.
import { codeText, field, isObject, numberOf, text } from './daraja-result.parser';

export const PULL_SUCCESS = '1000';
/** "nothing found" or "this shortcode is not set up for Pull": Daraja does not say which. */
export const PULL_NO_DATA = '1001';

export interface PullRegisterAnswer {
  /** `1000` registered, `1001` already registered; null when the answer has no status */
  status: string | null;
  description: string;
  refId: string | null;
}

export function parsePullRegisterAnswer(body: unknown): PullRegisterAnswer {
  return {
    status: codeText(field(body, 'ResponseStatus', 'ResponseCode')),
    description: text(field(body, 'ResponseDescription', 'ResponseMessage')) ?? '',
    refId: text(field(body, 'ResponseRefID', 'RequestID')),
  };
}

export interface PullRow {
  transactionId: string;
  /** as sent */
  trxDate: string | null;
  /** trxDate as ISO UTC, or null when unreadable */
  paidAt: string | null;
  /** as sent, digits (or a masked form) as text; never use it alone to identify a payer */
  msisdn: string | null;
  sender: string | null;
  transactionType: string | null;
  billReference: string | null;
  /** KES; null when unreadable */
  amount: number | null;
  organizationName: string | null;
}

export interface PullQueryAnswer {
  responseCode: string | null;
  message: string;
  refId: string | null;
  rows: PullRow[];
  /** only some answers carry it (page-number paging) */
  totalPages: number | null;
}

/** A date with an offset or Z → ISO UTC; a bare `YYYY-MM-DD HH:mm:ss` is Nairobi time. */
export function pullDateToIso(value: string | null): string | null {
  if (!value) return null;
  const bare = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(value);
  const at = new Date(bare ? `${bare[1]}T${bare[2]}+03:00` : value);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

export function parsePullRow(raw: unknown): PullRow | null {
  if (!isObject(raw)) return null;
  const transactionId = text(field(raw, 'transactionId', 'TransID'));
  if (transactionId === null) return null;
  const trxDate = text(field(raw, 'trxDate', 'TransTime'));
  return {
    transactionId,
    trxDate,
    paidAt: pullDateToIso(trxDate),
    msisdn: text(field(raw, 'msisdn', 'MSISDN')),
    sender: text(field(raw, 'sender'))?.replace(/\s+/g, ' ') ?? null,
    transactionType: text(field(raw, 'transactiontype', 'transactionType')),
    billReference: text(field(raw, 'billreference', 'billRefNumber')),
    amount: numberOf(field(raw, 'amount', 'TransAmount')),
    organizationName: text(field(raw, 'organizationname', 'organizationName')),
  };
}

/** Rows of `Response` whether it is `[[row, …]]`, `[[…], […]]` or `[row, …]`; anything unreadable is skipped. */
function rowsOf(response: unknown): PullRow[] {
  if (!Array.isArray(response)) return isObject(response) ? [parsePullRow(response)].filter((r): r is PullRow => r !== null) : [];
  return response.flatMap((entry) => (Array.isArray(entry) ? entry : [entry])).map(parsePullRow).filter((r): r is PullRow => r !== null);
}

export function parsePullQueryAnswer(body: unknown): PullQueryAnswer {
  const totalPages = numberOf(field(body, 'TotalPages', 'totalPages'));
  return {
    responseCode: codeText(field(body, 'ResponseCode', 'ResponseStatus')),
    message: text(field(body, 'ResponseMessage', 'ResponseDescription')) ?? '',
    refId: text(field(body, 'ResponseRefID', 'RequestID')),
    rows: rowsOf(field(body, 'Response')),
    totalPages: totalPages !== null && Number.isInteger(totalPages) && totalPages >= 0 ? totalPages : null,
  };
}

/** `YYYY-MM-DD HH:mm:ss` in Nairobi time, the form StartDate and EndDate take. */
export function pullDate(at: Date): string {
  const t = new Date(at.getTime() + 3 * 3600_000).toISOString();
  return `${t.slice(0, 10)} ${t.slice(11, 19)}`;
}
