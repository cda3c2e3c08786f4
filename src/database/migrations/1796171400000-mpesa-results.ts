import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Daraja's asynchronous Results (Transaction Status, Reversal), stored as received before they are
 * answered (issue 16). Applying them to receipts is a later step: every row starts `received`.
 * `dedupe_key` makes the same result delivered again one row (its `deliveries` counts them); the
 * ids are kept for the lookup that ties a result to its request, which may be stored after it.
 * `queue_timeout`: the POST came to QueueTimeOutURL (outcome unknown), not ResultURL.
 */
export class MpesaResults1796171400000 implements MigrationInterface {
  name = 'MpesaResults1796171400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE mpesa_results (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind varchar(20) NOT NULL CHECK (kind IN ('transaction-status', 'reversal')),
        conversation_id varchar(100),
        originator_conversation_id varchar(100),
        dedupe_key varchar(64) NOT NULL UNIQUE,
        raw_body text NOT NULL,
        source_ip varchar(64),
        queue_timeout boolean NOT NULL DEFAULT false,
        deliveries integer NOT NULL DEFAULT 1,
        received_at timestamptz NOT NULL DEFAULT now(),
        state varchar(12) NOT NULL DEFAULT 'received' CHECK (state IN ('received')),
        note varchar(500),
        CHECK (conversation_id IS NOT NULL OR originator_conversation_id IS NOT NULL)
      )`);
    await queryRunner.query(`CREATE INDEX mpesa_results_conversation_idx ON mpesa_results (conversation_id)`);
    await queryRunner.query(`CREATE INDEX mpesa_results_originator_idx ON mpesa_results (originator_conversation_id)`);
    await queryRunner.query(`CREATE INDEX mpesa_results_open_idx ON mpesa_results (received_at) WHERE state = 'received'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE mpesa_results`);
  }
}
