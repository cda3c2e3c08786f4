import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound webhooks (issue 17): endpoints, the events they are told of, one delivery per endpoint
 * and event. The outbox is the history the service already writes in the same transaction as each
 * change (payment_events, referral_status_changes): a history row not yet turned into webhook
 * events has `webhook_fanned_out_at` NULL, and a partial index keeps finding those cheap however
 * long the history grows. Rows already there when this runs count as fanned out (no endpoint
 * existed to be told of them): the column is added with a now() default, which Postgres stores
 * once rather than rewriting the table, and the default is then dropped so new rows start NULL.
 */
export class Webhooks1763780400000 implements MigrationInterface {
  name = 'Webhooks1763780400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of [
      `ALTER TABLE payment_events ADD COLUMN webhook_fanned_out_at timestamptz DEFAULT now()`,
      `ALTER TABLE payment_events ALTER COLUMN webhook_fanned_out_at DROP DEFAULT`,
      `CREATE INDEX payment_events_unfanned_idx ON payment_events (id) WHERE webhook_fanned_out_at IS NULL`,
      `ALTER TABLE referral_status_changes ADD COLUMN webhook_fanned_out_at timestamptz DEFAULT now()`,
      `ALTER TABLE referral_status_changes ALTER COLUMN webhook_fanned_out_at DROP DEFAULT`,
      `CREATE INDEX referral_status_changes_unfanned_idx ON referral_status_changes (at) WHERE webhook_fanned_out_at IS NULL`,
      `CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        url varchar(2000) NOT NULL,
        events text[] NOT NULL,
        description varchar(500),
        status varchar(10) NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
        disabled_reason varchar(500),
        secret varchar(100) NOT NULL,
        previous_secret varchar(100),
        previous_secret_expires_at timestamptz,
        failing_since timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX webhook_endpoints_created_idx ON webhook_endpoints (created_at DESC, seq DESC)`,
      `CREATE TABLE webhook_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        type varchar(60) NOT NULL,
        source_kind varchar(20) NOT NULL,
        source_id varchar(60) NOT NULL,
        payload json NOT NULL,
        created_at timestamptz NOT NULL,
        CONSTRAINT webhook_events_source_unique UNIQUE (source_kind, source_id, type)
      )`,
      `CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
        event_id uuid NOT NULL REFERENCES webhook_events(id),
        status varchar(10) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
        attempts jsonb NOT NULL DEFAULT '[]'::jsonb,
        next_attempt_at timestamptz,
        published_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhook_deliveries_once UNIQUE (endpoint_id, event_id)
      )`,
      `CREATE INDEX webhook_deliveries_endpoint_created_idx ON webhook_deliveries (endpoint_id, created_at DESC, seq DESC)`,
      `CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`,
    ]) {
      await queryRunner.query(statement);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of [
      'DROP TABLE webhook_deliveries',
      'DROP TABLE webhook_events',
      'DROP TABLE webhook_endpoints',
      'ALTER TABLE referral_status_changes DROP COLUMN webhook_fanned_out_at',
      'ALTER TABLE payment_events DROP COLUMN webhook_fanned_out_at',
    ]) {
      await queryRunner.query(statement);
    }
  }
}
