import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lists are ordered by (created_at, seq) rather than seq alone, so their order agrees with the
 * createdAt they show (issue 14): each list's index gets created_at before seq. The stats' edge
 * reads keep their index-only scan (status and amount are still included).
 */
export class ListOrder1763773200000 implements MigrationInterface {
  name = 'ListOrder1763773200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of [
      'DROP INDEX payments_referral_seq_idx',
      'CREATE INDEX payments_referral_created_idx ON payments (referral_id, created_at DESC, seq DESC)',
      'DROP INDEX payments_phone_seq_idx',
      'CREATE INDEX payments_phone_created_idx ON payments (phone_number, created_at DESC, seq DESC)',
      'DROP INDEX payments_status_seq_idx',
      'CREATE INDEX payments_status_created_idx ON payments (status, created_at, seq)',
      'DROP INDEX payments_created_at_idx',
      'CREATE INDEX payments_created_at_idx ON payments (created_at, seq) INCLUDE (status, amount)',
      'DROP INDEX referrals_status_seq_idx',
      'CREATE INDEX referrals_status_created_idx ON referrals (status, created_at DESC, seq DESC)',
      'CREATE INDEX referrals_created_idx ON referrals (created_at DESC, seq DESC)',
    ]) {
      await queryRunner.query(statement);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of [
      'DROP INDEX referrals_created_idx',
      'DROP INDEX referrals_status_created_idx',
      'CREATE INDEX referrals_status_seq_idx ON referrals (status, seq DESC)',
      'DROP INDEX payments_created_at_idx',
      'CREATE INDEX payments_created_at_idx ON payments (created_at) INCLUDE (status, amount)',
      'DROP INDEX payments_status_created_idx',
      'CREATE INDEX payments_status_seq_idx ON payments (status, seq)',
      'DROP INDEX payments_phone_created_idx',
      'CREATE INDEX payments_phone_seq_idx ON payments (phone_number, seq DESC)',
      'DROP INDEX payments_referral_created_idx',
      'CREATE INDEX payments_referral_seq_idx ON payments (referral_id, seq DESC)',
    ]) {
      await queryRunner.query(statement);
    }
  }
}
