// Standard Webhooks signing (https://www.standardwebhooks.com) through the `standardwebhooks`
// package, the specification's own reference library, so what we send is exactly what every
// receiver's library verifies. A rotated endpoint signs with both secrets for 24 h: the header
// then carries two space-separated `v1,<signature>` entries and a receiver holding either verifies.
import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';

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
  const signatures = signingSecrets(endpoint, now).map((secret) => new Webhook(secret).sign(eventId, timestamp, body));
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(timestamp.getTime() / 1000),
    'webhook-signature': signatures.join(' '),
  };
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
