// The message every process publishes on Redis when a payment change has committed.
import type { PaymentEventSource, PaymentStatus } from '../payment-status';

export interface PaymentEventMessage {
  paymentId: string;
  referralId: string;
  type: string;
  fromStatus: PaymentStatus | null;
  toStatus: PaymentStatus | null;
  source: PaymentEventSource;
  at: string;
}

/** One channel per deployment: the key prefix keeps deployments sharing a Redis apart. */
export function paymentEventsChannel(redisKeyPrefix: string): string {
  return `${redisKeyPrefix}:payment-events`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads a message off the channel; anything malformed is ignored rather than trusted. */
export function parsePaymentEventMessage(raw: string): PaymentEventMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object') return null;
  const m = value as Record<string, unknown>;
  if (typeof m.paymentId !== 'string' || !UUID.test(m.paymentId)) return null;
  if (typeof m.referralId !== 'string' || !UUID.test(m.referralId)) return null;
  if (typeof m.type !== 'string' || typeof m.source !== 'string' || typeof m.at !== 'string') return null;
  return {
    paymentId: m.paymentId,
    referralId: m.referralId,
    type: m.type,
    fromStatus: (typeof m.fromStatus === 'string' ? m.fromStatus : null) as PaymentStatus | null,
    toStatus: (typeof m.toStatus === 'string' ? m.toStatus : null) as PaymentStatus | null,
    source: m.source as PaymentEventSource,
    at: m.at,
  };
}
