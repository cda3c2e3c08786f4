import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 16: what the service asked M-Pesa's ledger (Transaction Status, Reversal) and what it
 * learnt. `ledger_requests` is the durable record that a request is owed or outstanding: a row is
 * written before anything is sent, so a result arriving before the synchronous acknowledgement, or a
 * worker killed mid-send, is still tied to its request (by the conversation ids, stored with the
 * acknowledgement). One Reversal per receipt, ever: a partial unique index, the last guard behind
 * the `queued → sending` claim. Receipts gain the verification and refund the contract shows, and
 * `mpesa_results` rows move from `received` to `applied` or `unmatched` with a note.
 */
export class LedgerRequests1796190600000 implements MigrationInterface {
  name = 'LedgerRequests1796190600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ledger_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind varchar(20) NOT NULL CHECK (kind IN ('transaction-status', 'reversal')),
        purpose varchar(20) NOT NULL CHECK (purpose IN ('verify', 'refund', 'refund-check')),
        receipt text NOT NULL REFERENCES receipts (receipt),
        amount integer,
        originator_conversation_id varchar(100),
        conversation_id varchar(100),
        state varchar(12) NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'unknown', 'answered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        result_code text,
        note varchar(500),
        requested_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX ledger_requests_one_reversal ON ledger_requests (receipt) WHERE kind = 'reversal'`);
    await queryRunner.query(`CREATE INDEX ledger_requests_conversation_idx ON ledger_requests (conversation_id)`);
    await queryRunner.query(`CREATE INDEX ledger_requests_originator_idx ON ledger_requests (originator_conversation_id)`);
    await queryRunner.query(`CREATE INDEX ledger_requests_due_idx ON ledger_requests (next_attempt_at) WHERE state IN ('queued', 'sending', 'sent', 'unknown')`);
    await queryRunner.query(`ALTER TABLE receipts ADD COLUMN verification jsonb, ADD COLUMN refund jsonb`);
    await queryRunner.query(`ALTER TABLE mpesa_results DROP CONSTRAINT mpesa_results_state_check`);
    await queryRunner.query(`ALTER TABLE mpesa_results ADD CONSTRAINT mpesa_results_state_check CHECK (state IN ('received', 'applied', 'unmatched'))`);
    await queryRunner.query(`ALTER TABLE mpesa_results ADD COLUMN request_id uuid REFERENCES ledger_requests (id), ADD COLUMN processed_at timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE mpesa_results DROP COLUMN request_id, DROP COLUMN processed_at`);
    await queryRunner.query(`UPDATE mpesa_results SET state = 'received'`);
    await queryRunner.query(`ALTER TABLE mpesa_results DROP CONSTRAINT mpesa_results_state_check`);
    await queryRunner.query(`ALTER TABLE mpesa_results ADD CONSTRAINT mpesa_results_state_check CHECK (state IN ('received'))`);
    await queryRunner.query(`ALTER TABLE receipts DROP COLUMN verification, DROP COLUMN refund`);
    await queryRunner.query(`DROP TABLE ledger_requests`);
  }
}
