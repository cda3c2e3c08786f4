// A small fetch wrapper for the fault run: JSON in and out, the API key, and how long each request
// took. A request never waits longer than its timeout; one that would is reported as status 0.
export const ADMIN_KEY = 'faults-admin-key';
export const STAFF_KEY = 'faults-staff-key';
export const API_KEYS = `admin:${ADMIN_KEY},staff:${STAFF_KEY}`;

export interface Answer<T = unknown> {
  status: number;
  body: T;
  ms: number;
  /** set when no answer came: connection refused, reset, or the timeout */
  error?: string;
}

export interface RequestOptions {
  key?: string | null;
  body?: unknown;
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** for a stream that never ends (server-sent events): the status and headers are the answer */
  headersOnly?: boolean;
}

export async function call<T = unknown>(baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<Answer<T>> {
  const started = performance.now();
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? ADMIN_KEY : options.key;
  if (key) headers['X-API-Key'] = key;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const aborter = new AbortController();
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.any([aborter.signal, AbortSignal.timeout(options.timeoutMs ?? 15_000)]),
    });
    if (options.headersOnly && res.status === 200) {
      aborter.abort();
      return { status: res.status, body: null as T, ms: Math.round(performance.now() - started) };
    }
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: body as T, ms: Math.round(performance.now() - started) };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    return { status: 0, body: null as T, ms: Math.round(performance.now() - started), error: e.cause?.code ?? e.name ?? e.message };
  }
}

/** Retries while the answer is a network failure, 429 or 5xx: the caller wants the request done. */
export async function callUntilDone<T = unknown>(baseUrl: string, method: string, path: string, options: RequestOptions = {}, deadlineMs = 120_000): Promise<Answer<T>> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; ; attempt++) {
    const answer = await call<T>(baseUrl, method, path, options);
    if (answer.status !== 0 && answer.status !== 429 && answer.status < 500) return answer;
    if (Date.now() > deadline) return answer;
    await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** Math.min(attempt, 5))));
  }
}
