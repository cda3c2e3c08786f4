import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per ledger sweep (Pull Transactions): its window, what Daraja answered and the Report it
 * wrote. The runs let the sweep see a streak of `1001` answers (Daraja's "nothing found" is also its
 * "not set up for Pull") while payments complete, across processes and restarts.
 */
export class LedgerPullRuns1796190700000 implements MigrationInterface {
  name = 'LedgerPullRuns1796190700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ledger_pull_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        at timestamptz NOT NULL DEFAULT now(),
        window_from timestamptz NOT NULL,
        window_to timestamptz NOT NULL,
        outcome varchar(20) NOT NULL CHECK (outcome IN ('rows', 'no-data', 'not-subscribed', 'error')),
        rows integer NOT NULL DEFAULT 0,
        pages integer NOT NULL DEFAULT 0,
        complete boolean,
        report_id uuid REFERENCES reconciliation_reports (id),
        note varchar(500)
      )`);
    await queryRunner.query(`CREATE INDEX ledger_pull_runs_at_idx ON ledger_pull_runs (at DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ledger_pull_runs`);
  }
}
