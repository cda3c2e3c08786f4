// What a final ResultCode (callback or query) means for the payment: DARAJA.md, "Result codes".

export type ResultReason =
  | 'paid'
  | 'cancelled'
  | 'timeout'
  | 'insufficient-funds'
  | 'wrong-pin'
  | 'limits'
  | 'configuration'
  | 'retryable'
  | 'unknown';

export interface ResultClass {
  outcome: 'completed' | 'failed';
  reason: ResultReason;
  /** Set when Daraja's rules say how long to wait before a new push can work. */
  retryAfterMs?: number;
}

const FAILED = (reason: ResultReason, retryAfterMs?: number): ResultClass =>
  retryAfterMs === undefined ? { outcome: 'failed', reason } : { outcome: 'failed', reason, retryAfterMs };

const TABLE: Record<string, ResultClass> = {
  '0': { outcome: 'completed', reason: 'paid' },
  '1': FAILED('insufficient-funds'),
  '2': FAILED('limits'),
  '3': FAILED('limits'),
  '4': FAILED('limits'),
  '8': FAILED('limits'),
  // "Rule limited": the same amount to the same customer within 2 minutes; a later push works.
  '17': FAILED('retryable', 120_000),
  '26': FAILED('retryable'),
  // The customer had another live prompt; it lasts about a minute.
  '1001': FAILED('retryable', 60_000),
  '1019': FAILED('timeout'),
  '1025': FAILED('retryable'),
  '9999': FAILED('retryable'),
  '1032': FAILED('cancelled'),
  '1037': FAILED('timeout'),
  '2001': FAILED('wrong-pin'),
  '2028': FAILED('configuration'),
  SFC_IC0003: FAILED('configuration'),
  // The customer's PIN is locked (after wrong PINs): a PIN problem on their side, not ours.
  '8006': FAILED('wrong-pin'),
};

/** Numbers and numeric strings compare as numbers ("0" = 0 = "00"); other codes compare case-insensitively. */
function canonical(code: string | number): string {
  const raw = String(code).trim();
  return /^\d+$/.test(raw) ? String(Number(raw)) : raw.toUpperCase();
}

/** Only 0 is success; an unknown code is a failure the caller should log with the raw code. */
export function classifyResultCode(code: string | number): ResultClass {
  const key = canonical(code);
  return Object.hasOwn(TABLE, key) ? TABLE[key] : FAILED('unknown');
}
