// Standard Webhooks signing (https://www.standardwebhooks.com): `v1,` + base64 HMAC-SHA256 of
// "id.timestamp.body" under the secret's base64-decoded bytes, computed with node:crypto (the
// `standardwebhooks` package, the specification's reference library, signs in plain JavaScript,
// a few times slower); the unit tests check that both sign alike and that the library verifies. A rotated endpoint signs with both secrets for 24 h: the header
// then carries two space-separated `v1,<signature>` entries and a receiver holding either verifies.
import { createHmac, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/** How long the secret before a rotation keeps signing beside the new one. */
export const PREVIOUS_SECRET_LIFETIME_MS = 24 * 3600 * 1000;

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export interface SigningSecrets {
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
}

/** The secrets that sign at `now`: the current one, and the previous one until it expires. */
export function signingSecrets(endpoint: SigningSecrets, now: Date): string[] {
  const live = endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > now.getTime();
  return live ? [endpoint.secret, endpoint.previousSecret!] : [endpoint.secret];
}

export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function signatureHeaders(endpoint: SigningSecrets, eventId: string, body: string, now: Date): SignatureHeaders {
  // The timestamp header has whole seconds: sign exactly the instant it names.
  const timestamp = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const seconds = timestamp.getTime() / 1000;
  const signatures = signingSecrets(endpoint, now).map((secret) => sign(secret, eventId, seconds, body));
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(timestamp.getTime() / 1000),
    'webhook-signature': signatures.join(' '),
  };
}

const SECRET_PREFIX = 'whsec_';

/** One `v1,<signature>` entry, as the specification (and its library's `Webhook.sign`) makes it. */
export function sign(secret: string, eventId: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${eventId}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** The webhooks' notion of now, one provider so tests can move time instead of waiting. */
@Injectable()
export class WebhookClock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Tests only: pretend `ms` more have passed. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
