// The one place that talks HTTP to Daraja: base URL, timeout, JSON, and what a failed exchange means.
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent, request } from 'undici';
import type { AppConfig } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';

export interface DarajaHttpResponse {
  status: number;
  /** the parsed JSON body, or null when the body is empty or not JSON */
  body: unknown;
}

/**
 * No HTTP answer. `sent` is false only when the connection was never made, so the request cannot
 * have reached Daraja; a timeout or a reset may happen after Daraja acted on it.
 */
export class DarajaTransportError extends Error {
  constructor(
    readonly sent: boolean,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DarajaTransportError';
  }
}

/** Failures that happen while connecting, before a byte of the request is written. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function causeCode(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const candidate = current as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof candidate.code === 'string') return candidate.code;
    // Happy-eyeballs connects to several addresses and reports them together.
    if (Array.isArray(candidate.errors) && candidate.errors.length > 0) current = candidate.errors[0];
    else current = candidate.cause;
  }
  return null;
}

export function toTransportError(error: unknown): DarajaTransportError {
  if (error instanceof DarajaTransportError) return error;
  const name = (error as { name?: unknown })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new DarajaTransportError(true, 'TIMEOUT', 'No answer from Daraja before the timeout');
  }
  const code = causeCode(error) ?? 'NETWORK_ERROR';
  const sent = !NOT_SENT_CODES.has(code);
  return new DarajaTransportError(sent, code, sent ? `Connection to Daraja failed after sending (${code})` : `Could not connect to Daraja (${code})`);
}

@Injectable()
export class DarajaHttpTransport implements OnApplicationShutdown {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  /**
   * One keep-alive pool per origin, used with undici's `request` rather than `fetch`: the same HTTP
   * client without the WHATWG layer (Request/Response objects, web streams, a transferable
   * AbortSignal per call), which cost the worker more CPU than the exchange itself at 1,000 status
   * queries a second (BENCHMARKS.md, "Issue 18: reconciliation"). No cap on connections, as with
   * fetch's global pool: against real Daraja a query takes a second or more, so many are in flight.
   */
  private readonly agent = new Agent({ keepAliveTimeout: 4_000 });
  private closed = false;

  constructor(@InjectAppConfig() config: AppConfig) {
    this.baseUrl = config.mpesa.baseUrl;
    this.timeoutMs = config.mpesa.timeoutMs;
  }

  /** Last, after every module's own shutdown (queue workers finish their jobs, and those may call Daraja). */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.agent.close();
  }

  /** JSON in and out. The timeout covers the whole exchange, body included. */
  async send(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown): Promise<DarajaHttpResponse> {
    const requestHeaders = { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers };
    const { status, text } = await this.exchange(method, path, requestHeaders, body === undefined ? undefined : JSON.stringify(body));
    return { status, body: parseJson(text) };
  }

  /** A plain GET of a text resource (the simulator's certificate); throws for a non-2xx answer too. */
  async getText(path: string): Promise<string> {
    const { status, text } = await this.exchange('GET', path, {});
    if (status < 200 || status > 299) throw new Error(`GET ${path} answered HTTP ${status}`);
    return text;
  }

  /**
   * One request and its whole body, or a DarajaTransportError. The timer is ours rather than
   * undici's headers and body timeouts, which each restart per phase: this one bounds the total.
   */
  private async exchange(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
    if (this.closed) throw new DarajaTransportError(false, 'CLOSED', 'Not sent: the Daraja client is shut down');
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, this.timeoutMs);
    try {
      const response = await request(`${this.baseUrl}${path}`, { dispatcher: this.agent, method, headers, body, signal: abort.signal });
      return { status: response.statusCode, text: await response.body.text() };
    } catch (error) {
      // Aborted by our timer, while connecting, sending, waiting or reading: it may have reached Daraja.
      if (timedOut) throw toTransportError(new DOMException('No answer before the timeout', 'TimeoutError'));
      throw toTransportError(error);
    } finally {
      clearTimeout(timer);
    }
  }
}

function parseJson(text: string): unknown {
  if (!text.trim()) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
