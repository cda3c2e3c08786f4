// Bulk fixtures written straight to Postgres (the service's own tables, its triggers running), so
// a benchmark spends its time on the path it measures, not on building the scene.
import type { Client } from 'pg';
import { successCallback } from '../../test/support/callbacks';

/** 2547 + eight digits, different for each i below 10^8. */
export const benchPhone = (i: number) => `2547${String(i).padStart(8, '0')}`;

/**
 * `count` referrals in pending-payment, tagged `tag` (patient name), numbered 0..count-1 in
 * `reason`; phone: the same for all when given, otherwise benchPhone(i). Returns their ids in order.
 */
export async function seedReferrals(pg: Client, tag: string, count: number, phone?: string): Promise<string[]> {
  const { rows } = await pg.query<{ id: string }>(
    `INSERT INTO referrals (patient_name, reason, amount, status, stk_phone_number)
     SELECT $1, i::text, 1000, 'pending-payment', COALESCE($3, '2547' || lpad(i::text, 8, '0'))
       FROM generate_series(0, $2::int - 1) AS i
     ORDER BY i
     RETURNING id`,
    [tag, count, phone ?? null],
  );
  return rows.map((r) => r.id);
}

/**
 * One pending payment per referral of `tag`, its push already accepted by Daraja (so only a
 * callback or a status query can settle it): stk_request_id = <checkoutPrefix><i>, or the ids given.
 */
export async function seedAcceptedPayments(
  pg: Client,
  tag: string,
  opts: { checkoutPrefix?: string; checkoutIds?: string[]; firstQueryInS: number; ageS?: number },
): Promise<number> {
  const result = await pg.query(
    `INSERT INTO payments (referral_id, phone_number, amount, status, push_state, stk_request_id, merchant_request_id, attempts, next_query_at, created_at)
     SELECT r.id, r.stk_phone_number, r.amount, 'pending', 'accepted',
            COALESCE(($2::text[])[r.reason::int + 1], $3 || r.reason), 'bench-' || r.reason, 1,
            now() + ($4::int * interval '1 second'), now() - ($5::int * interval '1 second')
       FROM referrals r WHERE r.patient_name = $1`,
    [tag, opts.checkoutIds ?? null, opts.checkoutPrefix ?? 'ws_CO_BENCH_', opts.firstQueryInS, opts.ageS ?? 0],
  );
  await pg.query(`UPDATE referrals SET stk_sent_count = 1 WHERE patient_name = $1`, [tag]);
  return result.rowCount ?? 0;
}

/** A Daraja-shaped success callback (the tests' own builder), serialised for the load generator. */
export function successCallbackBody(checkoutRequestId: string, amount: number, phone: string, receipt: string): string {
  return JSON.stringify(successCallback(checkoutRequestId, amount, phone, receipt));
}
