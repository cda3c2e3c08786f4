import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePayments1763766000000 implements MigrationInterface {
  name = 'CreatePayments1763766000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE payments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        referral_id uuid NOT NULL REFERENCES referrals(id),
        phone_number varchar(12) NOT NULL CHECK (phone_number ~ '^254[17][0-9]{8}$'),
        amount integer NOT NULL CHECK (amount BETWEEN 1 AND 250000),
        status varchar(10) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'failed')),
        push_state varchar(15) NOT NULL DEFAULT 'queued'
          CHECK (push_state IN ('queued', 'sending', 'accepted', 'indeterminate', 'abandoned')),
        stk_request_id varchar(100) UNIQUE,
        merchant_request_id varchar(100),
        mpesa_transaction_id varchar(40),
        result_code varchar(40),
        result_desc varchar(500),
        error_message varchar(500),
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        retry_of uuid REFERENCES payments(id),
        next_query_at timestamptz,
        query_count integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        CONSTRAINT payments_completed_has_time CHECK (status <> 'completed' OR completed_at IS NOT NULL)
      )`);
    // The database, not only the code, guarantees at most one pending payment per referral.
    await queryRunner.query(`CREATE UNIQUE INDEX payments_one_pending_per_referral ON payments (referral_id) WHERE status = 'pending'`);
    // One M-Pesa receipt pays one payment: a replayed success callback cannot complete a second one.
    await queryRunner.query(`CREATE UNIQUE INDEX payments_receipt_unique ON payments (mpesa_transaction_id) WHERE mpesa_transaction_id IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX payments_referral_seq_idx ON payments (referral_id, seq DESC)`);
    await queryRunner.query(`CREATE INDEX payments_phone_seq_idx ON payments (phone_number, seq DESC)`);
    await queryRunner.query(`CREATE INDEX payments_status_seq_idx ON payments (status, seq)`);
    await queryRunner.query(`CREATE INDEX payments_created_at_idx ON payments (created_at)`);
    await queryRunner.query(`CREATE INDEX payments_pending_push_idx ON payments (push_state, created_at) WHERE status = 'pending'`);
    await queryRunner.query(`CREATE INDEX payments_pending_query_idx ON payments (next_query_at) WHERE status = 'pending'`);

    await queryRunner.query(`
      CREATE TABLE payment_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        payment_id uuid NOT NULL REFERENCES payments(id),
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        type varchar(40) NOT NULL,
        from_status varchar(10),
        to_status varchar(10),
        source varchar(20) NOT NULL CHECK (source IN ('api', 'worker', 'callback', 'reconciliation', 'admin')),
        actor_role varchar(20),
        detail jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await queryRunner.query(`CREATE INDEX payment_events_payment_idx ON payment_events (payment_id, id)`);

    // Every callback body as it arrived, stored before it is answered; the unique key makes a
    // repeated delivery a no-op, and unmatched or doubtful ones stay here for review.
    await queryRunner.query(`
      CREATE TABLE mpesa_callbacks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        dedupe_key varchar(64) NOT NULL UNIQUE,
        checkout_request_id varchar(100) NOT NULL,
        raw_body text NOT NULL,
        source_ip varchar(64),
        state varchar(12) NOT NULL DEFAULT 'received'
          CHECK (state IN ('received', 'applied', 'unmatched', 'duplicate', 'review', 'invalid')),
        payment_id uuid REFERENCES payments(id),
        note varchar(500),
        deliveries integer NOT NULL DEFAULT 1,
        received_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX mpesa_callbacks_checkout_idx ON mpesa_callbacks (checkout_request_id)`);
    await queryRunner.query(`CREATE INDEX mpesa_callbacks_open_idx ON mpesa_callbacks (state, received_at) WHERE state IN ('received', 'unmatched')`);

    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        key varchar(200) NOT NULL,
        scope varchar(200) NOT NULL,
        request_hash varchar(64) NOT NULL,
        state varchar(12) NOT NULL CHECK (state IN ('in-progress', 'done')),
        response_status integer,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      )`);
    await queryRunner.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE idempotency_keys`);
    await queryRunner.query(`DROP TABLE mpesa_callbacks`);
    await queryRunner.query(`DROP TABLE payment_events`);
    await queryRunner.query(`DROP TABLE payments`);
  }
}
