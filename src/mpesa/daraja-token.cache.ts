// The OAuth access token: fetched once, shared, refreshed before it expires.
import { Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';
import { DarajaHttpTransport, DarajaTransportError } from './daraja-http.transport';
import type { DarajaError } from './daraja.types';
import { readErrorEnvelope } from './daraja-error.classifier';

export const OAUTH_PATH = '/oauth/v1/generate?grant_type=client_credentials';

/** Refresh this long before expiry, so a token never dies between being read and being used. */
const REFRESH_MARGIN_MS = 60_000;
/** When Daraja omits or garbles expires_in: short enough to be safe, the 404.001.03 retry covers the rest. */
const FALLBACK_LIFETIME_S = 600;

export class DarajaTokenError extends Error {
  constructor(readonly error: DarajaError) {
    super(error.errorMessage);
    this.name = 'DarajaTokenError';
  }
}

interface CachedToken {
  value: string;
  refreshAt: number;
}

/** `expires_in` arrives as a string in real answers and as a number in the 3.0 docs. */
export function parseExpiresIn(raw: unknown): number | null {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  return Number.isFinite(n) && n > 0 ? n : null;
}

/**
 * One token per consumer key (this service has one). Daraja may invalidate the previous token when
 * it issues a new one, so concurrent callers must share one fetch rather than race for their own.
 */
@Injectable()
export class DarajaTokenCache {
  private readonly logger = new Logger(DarajaTokenCache.name);
  private readonly basicAuth: string;
  private cached: CachedToken | null = null;
  private inFlight: Promise<string> | null = null;

  constructor(
    @InjectAppConfig() config: AppConfig,
    private readonly http: DarajaHttpTransport,
  ) {
    this.basicAuth = `Basic ${Buffer.from(`${config.mpesa.consumerKey}:${config.mpesa.consumerSecret}`).toString('base64')}`;
  }

  /** A valid token; throws DarajaTokenError when none can be had. */
  async get(): Promise<string> {
    if (this.cached && Date.now() < this.cached.refreshAt) return this.cached.value;
    this.inFlight ??= this.fetchToken().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /**
   * Daraja refused this token. Only drop it if it is still the cached one: a concurrent caller may
   * already have replaced it with a fresh token that must not be thrown away.
   */
  invalidate(token: string): void {
    if (this.cached?.value === token) this.cached = null;
  }

  private async fetchToken(): Promise<string> {
    let status: number;
    let body: unknown;
    try {
      ({ status, body } = await this.http.send('GET', OAUTH_PATH, { Authorization: this.basicAuth }));
    } catch (error) {
      const transport = error as DarajaTransportError;
      // Nothing but the token request was sent, so the caller's own request is safe to retry.
      throw new DarajaTokenError({ errorClass: 'retryable', httpStatus: null, errorCode: transport.code, errorMessage: transport.message });
    }
    const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
    const token = record.access_token;
    if (status === 200 && typeof token === 'string' && token.length > 0) {
      const lifetimeMs = (parseExpiresIn(record.expires_in) ?? FALLBACK_LIFETIME_S) * 1000;
      // A very short lifetime would otherwise mean refreshing on every call.
      const margin = Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2);
      this.cached = { value: token, refreshAt: Date.now() + lifetimeMs - margin };
      this.logger.log(`Fetched a Daraja access token valid for ${Math.round(lifetimeMs / 1000)} s`);
      return token;
    }
    const envelope = readErrorEnvelope(body);
    const errorMessage = envelope.errorMessage ?? `OAuth answered HTTP ${status}${status === 200 ? ' without an access_token' : ''}`;
    this.logger.error(`Daraja refused the token request: HTTP ${status} ${envelope.errorCode ?? ''} ${errorMessage}`.trim());
    throw new DarajaTokenError({
      // 4xx: our credentials or grant are wrong (a 400 with an empty body has been seen too); 5xx: their trouble, try later.
      errorClass: status >= 400 && status < 500 && status !== 429 ? 'token' : 'retryable',
      httpStatus: status,
      errorCode: envelope.errorCode,
      errorMessage,
    });
  }
}
