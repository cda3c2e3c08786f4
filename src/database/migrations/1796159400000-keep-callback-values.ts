import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Callbacks are unsigned and Daraja's values are not bounded anywhere we can rely on: a long
 * receipt, ResultDesc or ResultCode is kept as received (text), never a reason a stored callback
 * fails to apply for ever. varchar to text is binary-compatible: no table rewrite.
 * A callback that still cannot be applied is set aside ('set-aside') with its reason after
 * its failures are counted (apply_failures, last_error), so it never holds up the others.
 */
export class KeepCallbackValues1796159400000 implements MigrationInterface {
  name = 'KeepCallbackValues1796159400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE payments
        ALTER COLUMN stk_request_id TYPE text,
        ALTER COLUMN merchant_request_id TYPE text,
        ALTER COLUMN mpesa_transaction_id TYPE text,
        ALTER COLUMN result_code TYPE text,
        ALTER COLUMN result_desc TYPE text,
        ALTER COLUMN error_message TYPE text`);
    await queryRunner.query(`ALTER TABLE mpesa_callbacks ALTER COLUMN checkout_request_id TYPE text, ALTER COLUMN note TYPE text`);
    await queryRunner.query(`ALTER TABLE mpesa_callbacks ADD COLUMN apply_failures integer NOT NULL DEFAULT 0, ADD COLUMN last_error text`);
    await queryRunner.query(`ALTER TABLE mpesa_callbacks DROP CONSTRAINT mpesa_callbacks_state_check`);
    await queryRunner.query(`
      ALTER TABLE mpesa_callbacks ADD CONSTRAINT mpesa_callbacks_state_check
        CHECK (state IN ('received', 'applied', 'unmatched', 'duplicate', 'review', 'invalid', 'set-aside'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE mpesa_callbacks SET state = 'review' WHERE state = 'set-aside'`);
    await queryRunner.query(`ALTER TABLE mpesa_callbacks DROP CONSTRAINT mpesa_callbacks_state_check`);
    await queryRunner.query(`
      ALTER TABLE mpesa_callbacks ADD CONSTRAINT mpesa_callbacks_state_check
        CHECK (state IN ('received', 'applied', 'unmatched', 'duplicate', 'review', 'invalid'))`);
    await queryRunner.query(`ALTER TABLE mpesa_callbacks DROP COLUMN last_error, DROP COLUMN apply_failures`);
    // Values longer than the old limits are cut, so the rollback itself cannot fail.
    await queryRunner.query(`ALTER TABLE mpesa_callbacks ALTER COLUMN checkout_request_id TYPE varchar(100) USING left(checkout_request_id, 100), ALTER COLUMN note TYPE varchar(500) USING left(note, 500)`);
    await queryRunner.query(`
      ALTER TABLE payments
        ALTER COLUMN stk_request_id TYPE varchar(100) USING left(stk_request_id, 100),
        ALTER COLUMN merchant_request_id TYPE varchar(100) USING left(merchant_request_id, 100),
        ALTER COLUMN mpesa_transaction_id TYPE varchar(40) USING left(mpesa_transaction_id, 40),
        ALTER COLUMN result_code TYPE varchar(40) USING left(result_code, 40),
        ALTER COLUMN result_desc TYPE varchar(500) USING left(result_desc, 500),
        ALTER COLUMN error_message TYPE varchar(500) USING left(error_message, 500)`);
  }
}
