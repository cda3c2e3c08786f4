import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reconciliation reports (issue 16): each comparison of the service's books with M-Pesa's, from an
 * imported org-portal statement (`statement`) or, later, a ledger sweep (`ledger-pull`).
 *
 * - `lines` is one jsonb array per report rather than a lines table: a report is written once, read
 *   whole (the Report, its CSV), never queried line by line, and jsonb equality lets an import
 *   find out in one statement that the same file gives exactly the report it gave before.
 * - `file_sha256` identifies the file's content: importing the same bytes again looks for an
 *   identical earlier report of it (the index below) instead of writing another.
 * - `seq` orders the list as every list here is ordered (created_at, then insertion).
 */
export class ReconciliationReports1796181600000 implements MigrationInterface {
  name = 'ReconciliationReports1796181600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE reconciliation_reports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        source text NOT NULL CHECK (source IN ('statement', 'ledger-pull')),
        period_from timestamptz NOT NULL,
        period_to timestamptz NOT NULL,
        file_name text,
        file_sha256 text CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
        counts jsonb NOT NULL,
        lines jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (period_from <= period_to),
        CHECK (source <> 'statement' OR file_sha256 IS NOT NULL)
      )`);
    await queryRunner.query(`CREATE INDEX reconciliation_reports_created_idx ON reconciliation_reports (created_at DESC, seq DESC)`);
    await queryRunner.query(`CREATE INDEX reconciliation_reports_file_idx ON reconciliation_reports (file_sha256, created_at DESC) WHERE file_sha256 IS NOT NULL`);
    // "Payments completed here within the period" (missingInMpesa): a range of completion times,
    // which no index of payments covered; partial, so it holds only completed payments.
    await queryRunner.query(`CREATE INDEX payments_completed_at_idx ON payments (completed_at) WHERE status = 'completed'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX payments_completed_at_idx`);
    await queryRunner.query(`DROP TABLE reconciliation_reports`);
  }
}
