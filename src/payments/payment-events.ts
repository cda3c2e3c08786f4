// Writes a payment's history rows, always in the transaction that made the change (one of the
// after-commit bus), and tells the bus: once it commits, the change goes to the live stream and
// the metrics.
import type { EntityManager } from 'typeorm';
import { emitAfterCommit } from '../events/after-commit.bus';
import { PaymentEvent } from './payment-event.entity';
import type { PaymentEventSource, PaymentStatus } from './payment-status';

export interface PaymentEventInput {
  paymentId: string;
  /** The payment's referral, when the writer holds it: saves the live stream a lookup. */
  referralId?: string;
  type: string;
  source: PaymentEventSource;
  fromStatus?: PaymentStatus | null;
  toStatus?: PaymentStatus | null;
  actorRole?: string | null;
  detail?: Record<string, unknown>;
}

export async function recordPaymentEvent(manager: EntityManager, input: PaymentEventInput): Promise<void> {
  await recordPaymentEvents(manager, [input]);
}

/** Several history rows in one statement; their ids (and so their order) follow the array. */
export async function recordPaymentEvents(manager: EntityManager, inputs: readonly PaymentEventInput[]): Promise<void> {
  if (inputs.length === 0) return;
  await manager.insert(
    PaymentEvent,
    inputs.map((input) => ({
      paymentId: input.paymentId,
      type: input.type,
      source: input.source,
      fromStatus: input.fromStatus ?? null,
      toStatus: input.toStatus ?? null,
      actorRole: input.actorRole ?? null,
      detail: (input.detail ?? {}) as PaymentEvent['detail'] & object,
    })),
  );
  for (const input of inputs) {
    emitAfterCommit(manager, 'payment-changed', {
      paymentId: input.paymentId,
      referralId: input.referralId,
      type: input.type,
      fromStatus: input.fromStatus ?? null,
      toStatus: input.toStatus ?? null,
      source: input.source,
    });
  }
}
