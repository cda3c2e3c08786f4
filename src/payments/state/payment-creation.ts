// The writes that create a payment: the usual request's one statement (START_PAYMENT) and the
// insert inside createPending's transaction (retries, the automatic push on pending-payment, and
// whatever START_PAYMENT refused). PaymentsService decides whether a payment may start; this file
// owns the SQL that starts it, with its `created` history row in the same statement batch.
import type { DataSource, EntityManager } from 'typeorm';
import { NORMALISED_PHONE } from '../../mpesa/phone-number';
import { UNDER_REVIEW_STATES } from '../../receipts/receipt-state';
import { recordPaymentEvent } from '../payment-events';
import { Payment } from '../payment.entity';
import type { PaymentEventSource } from '../payment-status';
import { NamedStatement, runNamedStatement } from './payment-transitions';

export interface PaymentCreationContext {
  source: PaymentEventSource;
  actorRole: string | null;
}

const PAYMENT_COLUMNS = `id, seq, account_reference AS "accountReference", referral_id AS "referralId", phone_number AS "phoneNumber", amount, status,
  push_state AS "pushState", stk_request_id AS "stkRequestId", merchant_request_id AS "merchantRequestId", mpesa_transaction_id AS "mpesaTransactionId",
  result_code AS "resultCode", result_desc AS "resultDesc", error_message AS "errorMessage", push_sent_at AS "pushSentAt", attempts, retry_of AS "retryOf",
  next_query_at AS "nextQueryAt", query_count AS "queryCount", created_at AS "createdAt", updated_at AS "updatedAt", completed_at AS "completedAt"`;

/**
 * createPending in one statement, inserting only when every check passes: the referral locked and
 * pending-payment, none of its payments pending, the phone (given, or the referral's) a normalised
 * Kenyan mobile number, no receipt of that phone and amount unmatched or in review. A request that
 * waited for the referral's lock judges the pending payments and receipts as they stood when it
 * started (one snapshot per statement): a payment committed meanwhile is still refused, by the
 * one-pending index, and a receipt stored meanwhile is as late as one stored just after the check.
 */
export const START_PAYMENT: NamedStatement = {
  name: 'payments.start',
  text: `WITH r AS (SELECT id, status, stk_phone_number, amount FROM referrals WHERE id = $1 FOR UPDATE),
    v AS (SELECT r.id AS referral_id, coalesce($2::text, r.stk_phone_number) AS phone, coalesce($3::int, r.amount) AS amount FROM r
           WHERE r.status = 'pending-payment' AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.referral_id = $1 AND p.status = 'pending')),
    ok AS (SELECT v.* FROM v WHERE v.phone ~ '${NORMALISED_PHONE.source}'
            AND NOT EXISTS (SELECT 1 FROM receipts x WHERE x.phone_number = v.phone AND x.amount = v.amount AND x.state = ANY($4::text[]))),
    ins AS (INSERT INTO payments (referral_id, phone_number, amount, status, push_state) SELECT referral_id, phone, amount, 'pending', 'queued' FROM ok
            RETURNING ${PAYMENT_COLUMNS}),
    e AS (INSERT INTO payment_events (payment_id, type, source, to_status, actor_role, detail)
          SELECT id, 'created', $5, 'pending', $6, jsonb_build_object('amount', amount) FROM ins)
    SELECT * FROM ins`,
};

/**
 * Runs START_PAYMENT: the inserted payment, or none when a check refused (nothing is written then).
 * A phone or amount left null is the referral's own.
 */
export function startPaymentInOneStatement(
  dataSource: DataSource,
  values: { referralId: string; phoneNumber: string | null; amount: number | null },
  context: PaymentCreationContext,
): Promise<Payment[]> {
  return runNamedStatement<Payment>(dataSource, START_PAYMENT, [values.referralId, values.phoneNumber, values.amount, UNDER_REVIEW_STATES, context.source, context.actorRole]);
}

/**
 * Inserts a pending payment whose checks the caller made, in the caller's transaction (the
 * referral locked by it), with its `created` or `retry-created` history row.
 */
export async function insertPendingPayment(
  manager: EntityManager,
  values: { referralId: string; phoneNumber: string; amount: number; retryOf: string | null },
  context: PaymentCreationContext,
): Promise<Payment> {
  // Every column set here or returned by the INSERT (id, defaults, timestamps), so the row needs
  // no read-back: one statement fewer on every payment request.
  const inserted = await manager.save(
    manager.create(Payment, {
      referralId: values.referralId,
      phoneNumber: values.phoneNumber,
      amount: values.amount,
      status: 'pending',
      pushState: 'queued',
      retryOf: values.retryOf,
      stkRequestId: null,
      merchantRequestId: null,
      mpesaTransactionId: null,
      resultCode: null,
      resultDesc: null,
      errorMessage: null,
      nextQueryAt: null,
      completedAt: null,
    }),
  );
  await recordPaymentEvent(manager, {
    paymentId: inserted.id,
    referralId: values.referralId,
    type: values.retryOf ? 'retry-created' : 'created',
    source: context.source,
    toStatus: 'pending',
    actorRole: context.actorRole,
    detail: { amount: inserted.amount, ...(values.retryOf ? { retryOf: values.retryOf } : {}) },
  });
  return inserted;
}
