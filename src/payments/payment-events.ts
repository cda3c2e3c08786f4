// Writes a payment's history rows, always in the transaction that made the change (one of the
// after-commit bus), and tells the bus: once it commits, the change goes to the live stream and
// the metrics.
import type { EntityManager } from 'typeorm';
import { emitAfterCommit } from '../events/after-commit.bus';
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

/**
 * Several history rows in one statement; their ids (and so their order) follow the array. Plain
 * SQL over arrays rather than TypeORM's insert builder: this runs in every settlement batch, and
 * building and hydrating a 100-row insert cost more in the API than the statement costs Postgres.
 */
export async function recordPaymentEvents(manager: EntityManager, inputs: readonly PaymentEventInput[]): Promise<void> {
  if (inputs.length === 0) return;
  await manager.query(
    `INSERT INTO payment_events (payment_id, type, from_status, to_status, source, actor_role, detail)
     SELECT payment_id, type, from_status, to_status, source, actor_role, detail
       FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::jsonb[]) WITH ORDINALITY
            AS v(payment_id, type, from_status, to_status, source, actor_role, detail, position)
      ORDER BY position`,
    [
      inputs.map((input) => input.paymentId),
      inputs.map((input) => input.type),
      inputs.map((input) => input.fromStatus ?? null),
      inputs.map((input) => input.toStatus ?? null),
      inputs.map((input) => input.source),
      inputs.map((input) => input.actorRole ?? null),
      inputs.map((input) => JSON.stringify(input.detail ?? {})),
    ],
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
