// When reconciliation asks about a pending payment again, and the words it uses when it gives up.
// Pure functions: the SQL applies them with the database clock.

/** Longest wait between two status queries of one payment. */
export const MAX_QUERY_BACKOFF_MS = 30 * 60_000;

/**
 * Wait after a payment's n-th inconclusive status query (n >= 1): base, 2 x base, 4 x base, ...
 * up to the cap. With the default base (RECONCILE_INTERVAL_S = 30 s): 30 s, 1 min, 2 min, 4 min,
 * 8 min, 16 min, then every 30 min until the payment expires.
 */
export function queryBackoffMs(inconclusiveQueries: number, baseMs: number, capMs = MAX_QUERY_BACKOFF_MS): number {
  const n = Math.max(1, Math.floor(inconclusiveQueries));
  const cap = Math.max(capMs, baseMs);
  // 2^40 x any sane base is far past the cap; bounding the exponent keeps the product finite.
  return Math.min(cap, baseMs * 2 ** Math.min(n - 1, 40));
}

/** "3 s", "90 s", "30 min", "24 h", "36 h": how long a payment was given, for its error message. */
export function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0 && seconds >= 600) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** Why nothing settled the payment, as the expired payment's errorMessage ends. */
export type ExpiryCause =
  | { kind: 'still-processing' }
  | { kind: 'query-unanswered'; errorMessage: string }
  | { kind: 'push-answer-lost' }
  | { kind: 'push-never-sent' };

export function expiryMessage(expirySeconds: number, cause: ExpiryCause): string {
  const head = `Expired: no result from M-Pesa within ${formatDuration(expirySeconds)}`;
  const tail: Record<ExpiryCause['kind'], string> = {
    'still-processing': 'the last status query said the payment was still being processed',
    'query-unanswered': `the last status query got no answer (${cause.kind === 'query-unanswered' ? cause.errorMessage : ''})`,
    'push-answer-lost': "the STK push's answer was lost, so its status could not be queried, and no matching callback came",
    'push-never-sent': 'the STK push was never sent',
  };
  return `${head}; ${tail[cause.kind]}`.slice(0, 500);
}
