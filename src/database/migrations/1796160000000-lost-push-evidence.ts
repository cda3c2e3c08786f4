import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What matching a callback to a push whose answer was lost needs (see src/payments/evidence.ts):
 * when each push was last sent (push_sent_at: only a push sent within the prompt's lifetime before
 * a callback can have sent it), whether Daraja confirmed the callback's CheckoutRequestID by an
 * STK Push Query (confirmation), and the state 'dismissed' for a callback Daraja disowns (forged).
 */
export class LostPushEvidence1796160000000 implements MigrationInterface {
  name = 'LostPushEvidence1796160000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE payments ADD COLUMN push_sent_at timestamptz`);
    // Existing sends: their creation is the best bound known.
    await queryRunner.query(`UPDATE payments SET push_sent_at = created_at WHERE attempts > 0`);
    await queryRunner.query(`
      CREATE INDEX payments_unanswered_push_idx ON payments (phone_number, amount, push_sent_at)
        WHERE stk_request_id IS NULL AND push_state IN ('sending', 'indeterminate')`);
    await queryRunner.query(`
      ALTER TABLE mpesa_callbacks
        ADD COLUMN confirmation varchar(10) CHECK (confirmation IN ('needed', 'known', 'unknown')),
        ADD COLUMN confirmed_at timestamptz`);
    await queryRunner.query(`CREATE INDEX mpesa_callbacks_confirm_idx ON mpesa_callbacks (received_at) WHERE state = 'unmatched' AND confirmation = 'needed'`);
    await queryRunner.query(`ALTER TABLE mpesa_callbacks DROP CONSTRAINT mpesa_callbacks_state_check`);
    await queryRunner.query(`
      ALTER TABLE mpesa_callbacks ADD CONSTRAINT mpesa_callbacks_state_check
        CHECK (state IN ('received', 'applied', 'unmatched', 'duplicate', 'review', 'invalid', 'set-aside', 'dismissed'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE mpesa_callbacks SET state = 'review' WHERE state = 'dismissed'`);
    await queryRunner.query(`ALTER TABLE mpesa_callbacks DROP CONSTRAINT mpesa_callbacks_state_check`);
    await queryRunner.query(`
      ALTER TABLE mpesa_callbacks ADD CONSTRAINT mpesa_callbacks_state_check
        CHECK (state IN ('received', 'applied', 'unmatched', 'duplicate', 'review', 'invalid', 'set-aside'))`);
    await queryRunner.query(`DROP INDEX mpesa_callbacks_confirm_idx`);
    await queryRunner.query(`ALTER TABLE mpesa_callbacks DROP COLUMN confirmed_at, DROP COLUMN confirmation`);
    await queryRunner.query(`DROP INDEX payments_unanswered_push_idx`);
    await queryRunner.query(`ALTER TABLE payments DROP COLUMN push_sent_at`);
  }
}
