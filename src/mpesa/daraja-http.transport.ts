// The one place that talks HTTP to Daraja: base URL, timeout, JSON, and what a failed exchange means.
import { Injectable } from '@nestjs/common';
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
export class DarajaHttpTransport {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(@InjectAppConfig() config: AppConfig) {
    this.baseUrl = config.mpesa.baseUrl;
    this.timeoutMs = config.mpesa.timeoutMs;
  }

  /**
   * Node's fetch (undici) keeps connections alive and reuses them by default, which spares a TLS
   * handshake per call. The timeout covers the whole exchange, body included.
   */
  async send(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown): Promise<DarajaHttpResponse> {
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await response.text();
      return { status: response.status, body: parseJson(text) };
    } catch (error) {
      throw toTransportError(error);
    }
  }

  /** A plain GET of a text resource (the simulator's certificate); throws for a non-2xx answer too. */
  async getText(path: string): Promise<string> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw toTransportError(error);
    }
    const body = await response.text();
    if (!response.ok) throw new Error(`GET ${path} answered HTTP ${response.status}`);
    return body;
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
