import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Receipts that need an admin (`receipt.needs_review`) and new reconciliation reports
 * (`reconciliation.report_ready`) reach webhooks the way payment and referral changes do: their
 * history rows are the outbox, found by a NULL `webhook_fanned_out_at` through a partial index.
 * Rows already there are marked as fanned out, so an endpoint is not told of the past.
 */
export class ReceiptAndReportWebhooks1796185200000 implements MigrationInterface {
  name = 'ReceiptAndReportWebhooks1796185200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of [
      `ALTER TABLE receipt_events ADD COLUMN webhook_fanned_out_at timestamptz DEFAULT now()`,
      `ALTER TABLE receipt_events ALTER COLUMN webhook_fanned_out_at DROP DEFAULT`,
      `CREATE INDEX receipt_events_unfanned_idx ON receipt_events (id) WHERE webhook_fanned_out_at IS NULL`,
      `ALTER TABLE reconciliation_reports ADD COLUMN webhook_fanned_out_at timestamptz DEFAULT now()`,
      `ALTER TABLE reconciliation_reports ALTER COLUMN webhook_fanned_out_at DROP DEFAULT`,
      `CREATE INDEX reconciliation_reports_unfanned_idx ON reconciliation_reports (seq) WHERE webhook_fanned_out_at IS NULL`,
    ]) {
      await queryRunner.query(statement);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE reconciliation_reports DROP COLUMN webhook_fanned_out_at');
    await queryRunner.query('ALTER TABLE receipt_events DROP COLUMN webhook_fanned_out_at');
  }
}
