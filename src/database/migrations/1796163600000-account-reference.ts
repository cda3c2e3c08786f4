import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A per-payment AccountReference (issue 13): the value every STK push of the payment sends, the
 * patient sees on the prompt ("Account no. PAY7K3M"), a clinic can quote over the phone, and the
 * ledger later matches `billreference` to. Until now pushes sent REF + 9 hex digits of the referral
 * id: the same for every payment (and retry) of a referral, and not even unique between referrals.
 *
 * Form: `PAY` + the payment's `seq` in base 31 over 23456789ABCDEFGHJKMNPQRSTUVWXYZ, most significant
 * digit first, no padding (seq 1 is PAY3, seq 1,000,000 is PAY34KM4). Why:
 * - only upper-case letters and digits: Daraja documents AccountReference as alphanumeric, and an
 *   upper-case-only code reads the same however it is typed or said;
 * - none of 0 O 1 I L, the characters people confuse on a small prompt or when reading aloud;
 * - the prefix separates it from phone numbers and M-Pesa receipts (10 characters, no prefix), and
 *   from the old REF… references, which stay in the history of earlier pushes;
 * - derived from seq, it is unique without coordination (the mapping is injective) and costs no
 *   extra round trip: a stored generated column, computed by Postgres in the same INSERT (and
 *   returned by it), and by ADD COLUMN for every existing row (the backfill), never updatable.
 * - at most 12 characters always: 3 for the prefix leaves 9 base-31 digits, seq < 31^9
 *   (26,439,622,160,671). The identity gets that MAXVALUE, so an exhausted sequence is a loud
 *   insert error rather than a longer reference; an explicit out-of-range seq is refused by the
 *   function, and the column is varchar(12) besides.
 *
 * The function is IMMUTABLE because the generated column relies on it: never replace it with one
 * that answers differently (stored references would disagree with new ones).
 *
 * Rows pushed before this migration got the referral-derived reference on their prompts; their new
 * account_reference is what any later push of theirs sends (a still-queued payment sends it first).
 */
export const ACCOUNT_REFERENCE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const ACCOUNT_REFERENCE_PREFIX = 'PAY';
/** 31^9 - 1: the largest seq whose reference fits 12 characters. */
export const ACCOUNT_REFERENCE_MAX_SEQ = '26439622160670';

export class AccountReference1796163600000 implements MigrationInterface {
  name = 'AccountReference1796163600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION payment_account_reference(seq bigint) RETURNS varchar(12)
        LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
      DECLARE
        digits constant text := '${ACCOUNT_REFERENCE_ALPHABET}';
        n bigint := seq;
        ref text := '';
      BEGIN
        IF n < 0 OR n > ${ACCOUNT_REFERENCE_MAX_SEQ} THEN
          RAISE EXCEPTION 'payment seq % has no AccountReference of at most 12 characters', seq;
        END IF;
        LOOP
          ref := substr(digits, (n % 31)::int + 1, 1) || ref;
          n := n / 31;
          EXIT WHEN n = 0;
        END LOOP;
        RETURN '${ACCOUNT_REFERENCE_PREFIX}' || ref;
      END
      $fn$`);
    await queryRunner.query(`ALTER TABLE payments ALTER COLUMN seq SET MAXVALUE ${ACCOUNT_REFERENCE_MAX_SEQ}`);
    // Rewrites the table once, computing the reference of every existing row.
    await queryRunner.query(`
      ALTER TABLE payments
        ADD COLUMN account_reference varchar(12) GENERATED ALWAYS AS (payment_account_reference(seq)) STORED NOT NULL`);
    await queryRunner.query(`ALTER TABLE payments ADD CONSTRAINT payments_account_reference_key UNIQUE (account_reference)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE payments DROP COLUMN account_reference`);
    await queryRunner.query(`ALTER TABLE payments ALTER COLUMN seq SET NO MAXVALUE`);
    await queryRunner.query(`DROP FUNCTION payment_account_reference(bigint)`);
  }
}
