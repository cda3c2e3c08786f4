// Issue 13: every payment has its own AccountReference (unique, at most 12 characters, readable on
// the prompt), shown on the Payment and sent as exactly that on every push; existing rows get one.
import { DataSource } from 'typeorm';
import {
  ACCOUNT_REFERENCE_ALPHABET,
  ACCOUNT_REFERENCE_MAX_SEQ,
  AccountReference1796163600000,
} from '../src/database/migrations/1796163600000-account-reference';
import { paymentFlow } from './support/payment-flow';
import { createTestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const SIM = (code: string) => `254700000${code}`;
const FORM = /^PAY[2-9A-HJKMNP-Z]{1,9}$/;

/** The documented form, written independently of the SQL: PAY + seq in base 31 without 0 O 1 I L. */
function expectedReference(seq: bigint): string {
  let digits = '';
  let n = seq;
  do {
    digits = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'[Number(n % 31n)] + digits;
    n /= 31n;
  } while (n > 0n);
  return `PAY${digits}`;
}

describe('AccountReference per payment', () => {
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;

  beforeAll(async () => {
    t = await startTestApp({
      role: 'all',
      env: { SIMULATOR_CALLBACK_DELAY_MS: '100', STK_RETRY_BASE_MS: '100', RECONCILE_FIRST_QUERY_S: '3600' },
    });
    flow = paymentFlow(t);
  });
  afterAll(() => t.close());

  it('gives each payment, retries included, its own reference and sends exactly it to Daraja', async () => {
    const referrals = [await flow.referralInPendingPayment('0712130001'), await flow.referralInPendingPayment('0712130002')];
    // Same phone and amount as another referral: the reference still tells the two apart.
    referrals.push(await flow.referralInPendingPayment('0712130002'));
    const failing = await flow.referralInPendingPayment(SIM('101'));

    const firsts = [];
    for (const referralId of referrals) firsts.push(await flow.finalPayment((await flow.onlyPayment(referralId)).id));
    const failed = await flow.finalPayment((await flow.onlyPayment(failing)).id);
    expect(failed.status).toBe('failed');
    // A retry is a new payment: a new reference, so the ledger can tell its money from the first try's.
    const retry = await flow.http.post(`/api/payments/${failed.id}/retry`, {});
    expect(retry.status).toBe(202);
    expect(retry.body.accountReference).toMatch(FORM); // in the 202 itself: set by the INSERT
    const retried = await flow.finalPayment(retry.body.id);

    const payments = [...firsts, failed, retried];
    expect(firsts.map((p) => p.status)).toEqual(['completed', 'completed', 'completed']);
    for (const p of payments) {
      expect(p.accountReference).toMatch(FORM);
      expect(p.accountReference.length).toBeLessThanOrEqual(12);
      const [{ seq }] = await t.dataSource.query(`SELECT seq::text AS seq FROM payments WHERE id = $1`, [p.id]);
      expect(p.accountReference).toBe(expectedReference(BigInt(seq)));
    }
    expect(new Set(payments.map((p) => p.accountReference)).size).toBe(payments.length);
    expect(retry.body.accountReference).toBe(retried.accountReference);

    // The simulator's ground truth: each payment's push carried exactly its reference.
    const truth = await flow.groundTruth();
    for (const p of payments) {
      const pushes = truth.pushes.filter((x) => x.accountReference === p.accountReference);
      expect({ id: p.id, pushes: pushes.length }).toEqual({ id: p.id, pushes: 1 });
      if (p.stkRequestId) {
        const tx = truth.transactions.find((x) => x.checkoutRequestId === p.stkRequestId);
        expect(tx).toMatchObject({ accountReference: p.accountReference, phoneNumber: p.phoneNumber, amount: p.amount });
      }
    }
    // The list shows it too.
    const listed = await flow.paymentsOf(failing);
    expect(listed.map((p) => p.accountReference).sort()).toEqual([failed.accountReference, retried.accountReference].sort());
  });

  it('keeps the same reference on every push of one payment (retried refusals)', async () => {
    const referralId = await flow.referralInPendingPayment(SIM('312')); // two spike-arrest refusals, then accepted
    const done = await flow.finalPayment((await flow.onlyPayment(referralId)).id);
    expect(done).toMatchObject({ status: 'completed', attempts: 3 });
    const truth = await flow.groundTruth();
    expect(truth.pushes.filter((p) => p.accountReference === done.accountReference).map((p) => p.outcome)).toEqual(['refused', 'refused', 'accepted']);
  });

  it('computes the reference in Postgres: the documented form, at most 12 characters up to the largest seq', async () => {
    const max = BigInt(ACCOUNT_REFERENCE_MAX_SEQ);
    expect(max).toBe(31n ** 9n - 1n);
    expect(ACCOUNT_REFERENCE_ALPHABET).toHaveLength(31);
    expect(ACCOUNT_REFERENCE_ALPHABET).not.toMatch(/[01ILO]/);
    const seqs = [0n, 1n, 30n, 31n, 32n, 961n, 1_000_000n, 2n ** 40n, max - 1n, max];
    const rows: { seq: string; ref: string }[] = await t.dataSource.query(
      `SELECT s::text AS seq, payment_account_reference(s) AS ref FROM unnest($1::bigint[]) AS s`,
      [seqs.map(String)],
    );
    expect(rows.map((r) => r.ref)).toEqual(seqs.map(expectedReference));
    expect(rows.map((r) => r.ref).slice(0, 3)).toEqual(['PAY2', 'PAY3', 'PAYZ']);
    expect(rows[rows.length - 1].ref).toBe('PAYZZZZZZZZZ');
    for (const r of rows) expect(r.ref.length).toBeLessThanOrEqual(12);
    // Beyond that the sequence stops (a loud insert error) and the function refuses.
    await expect(t.dataSource.query(`SELECT payment_account_reference($1::bigint)`, [String(max + 1n)])).rejects.toThrow(/at most 12 characters/);
    await expect(t.dataSource.query(`SELECT payment_account_reference(-1)`)).rejects.toThrow(/at most 12 characters/);
    const [{ max_value }] = await t.dataSource.query(`SELECT max_value::text FROM pg_sequences WHERE sequencename = pg_get_serial_sequence('payments', 'seq')::regclass::name`);
    expect(max_value).toBe(ACCOUNT_REFERENCE_MAX_SEQ);
  });

  it('refuses a second payment with the same reference and any update of it', async () => {
    const referralId = await flow.referralInPendingPayment('0712130003');
    const p = await flow.finalPayment((await flow.onlyPayment(referralId)).id);
    await expect(t.dataSource.query(`UPDATE payments SET account_reference = 'PAY2' WHERE id = $1`, [p.id])).rejects.toThrow(/can only be updated to DEFAULT/);
    const [{ seq }] = await t.dataSource.query(`SELECT seq::text AS seq FROM payments WHERE id = $1`, [p.id]);
    await expect(
      t.dataSource.query(`INSERT INTO payments (seq, referral_id, phone_number, amount, status) OVERRIDING SYSTEM VALUE VALUES ($1, $2, '254712130003', 10, 'failed')`, [seq, referralId]),
    ).rejects.toThrow(/duplicate key/);
  });

  it('backfills existing payments when the migration runs, and new inserts get one in the same statement', async () => {
    const db = new DataSource({ type: 'postgres', url: await createTestDatabase() });
    await db.initialize();
    try {
      const migration = new AccountReference1796163600000();
      const runner = db.createQueryRunner();
      try {
        await migration.down(runner); // the schema as it was before this migration
        const [{ id: referralId }] = await runner.query(`INSERT INTO referrals (patient_name, amount, status) VALUES ('Old', 10, 'pending-payment') RETURNING id`);
        // Rows written by the old code, as the bench seed and test helpers insert them.
        for (let i = 0; i < 40; i++) {
          await runner.query(`INSERT INTO payments (referral_id, phone_number, amount, status, push_state, attempts) VALUES ($1, '254712130099', 10, 'failed', 'accepted', 1)`, [
            referralId,
          ]);
        }
        await migration.up(runner);
        const rows: { seq: string; ref: string | null }[] = await runner.query(`SELECT seq::text AS seq, account_reference AS ref FROM payments ORDER BY seq`);
        expect(rows).toHaveLength(40);
        for (const r of rows) expect(r.ref).toBe(expectedReference(BigInt(r.seq)));
        expect(new Set(rows.map((r) => r.ref)).size).toBe(40);

        const [fresh] = await runner.query(
          `INSERT INTO payments (referral_id, phone_number, amount) VALUES ($1, '254712130099', 10) RETURNING seq::text AS seq, account_reference AS ref`,
          [referralId],
        );
        expect(fresh.ref).toBe(expectedReference(BigInt(fresh.seq)));
        const [column] = await runner.query(
          `SELECT is_nullable, is_generated, character_maximum_length AS len FROM information_schema.columns WHERE table_name = 'payments' AND column_name = 'account_reference'`,
        );
        expect(column).toEqual({ is_nullable: 'NO', is_generated: 'ALWAYS', len: 12 });
      } finally {
        await runner.release();
      }
    } finally {
      await db.destroy();
    }
  });

  it('is in the payment the API answers and lists, as the contract names it', async () => {
    const referralId = await flow.referralInPendingPayment('0712130004');
    const p = await waitFor(async () => {
      const [only] = await flow.paymentsOf(referralId);
      return only ?? null;
    }, 'the payment');
    expect(p.accountReference).toMatch(FORM);
    expect((await flow.payment(p.id)).accountReference).toBe(p.accountReference);
  });
});
