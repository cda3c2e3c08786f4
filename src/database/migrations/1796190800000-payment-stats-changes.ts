import { MigrationInterface, QueryRunner } from 'typeorm';
import { PAYMENT_STATS_TRACK_IN_PLACE } from './1763769600000-payment-stats';

/** The advisory lock that lets one roll-up at a time fold the changes into the aggregates. */
export const STATS_ROLL_UP_LOCK_KEY = 7_421_903_119;

/**
 * The payments trigger appends each change to payment_stats_changes instead of updating the
 * aggregate rows in place, and a roll-up folds the changes into the aggregates every few seconds.
 *
 * Why: every payment inserted or settled in the same hour updated the same few aggregate rows
 * (16 shards per hour and status) and held their locks until its transaction committed. A batch
 * of settlements touched all 16, so two batches (callbacks, status-query answers) ran one after
 * the other, and two multi-row UPDATEs could take the shards in different orders and deadlock.
 * An appended row locks nothing anyone else wants. The reads add the changes not yet rolled up,
 * in the same statement, so the statistics still equal a count over payments in every snapshot.
 */
export class PaymentStatsChanges1796190800000 implements MigrationInterface {
  name = 'PaymentStatsChanges1796190800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // No key: rows are only appended, and deleted by the roll-up that folds them in.
    await queryRunner.query(`
      CREATE TABLE payment_stats_changes (
        hour timestamptz NOT NULL,
        status varchar(10) NOT NULL,
        payments integer NOT NULL,
        amount bigint NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX payment_stats_changes_hour_idx ON payment_stats_changes (hour)`);

    // One INSERT per changed payment (two rows for a change of status), no lock on a shared row.
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION payment_stats_track() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO payment_stats_changes VALUES (date_trunc('hour', NEW.created_at, 'UTC'), NEW.status, 1, NEW.amount);
        ELSIF TG_OP = 'DELETE' THEN
          INSERT INTO payment_stats_changes VALUES (date_trunc('hour', OLD.created_at, 'UTC'), OLD.status, -1, -OLD.amount);
        ELSE
          INSERT INTO payment_stats_changes VALUES
            (date_trunc('hour', OLD.created_at, 'UTC'), OLD.status, -1, -OLD.amount),
            (date_trunc('hour', NEW.created_at, 'UTC'), NEW.status, 1, NEW.amount);
        END IF;
        RETURN NULL;
      END $$`);

    // Folds every committed change into the aggregates in one statement (delete and add together,
    // so a reader sees each change exactly once). One roll-up at a time: a second one returns at
    // once (-1) rather than wait. New rows go to shard 0; the shards written before stay as they are.
    await queryRunner.query(`
      CREATE FUNCTION payment_stats_roll_up() RETURNS bigint LANGUAGE plpgsql AS $$
      DECLARE
        folded bigint;
      BEGIN
        IF NOT pg_try_advisory_xact_lock(${STATS_ROLL_UP_LOCK_KEY}) THEN
          RETURN -1;
        END IF;
        WITH gone AS (
          DELETE FROM payment_stats_changes RETURNING hour, status, payments, amount
        ), hourly AS (
          SELECT hour, status, sum(payments) AS payments, sum(amount) AS amount, count(*) AS changes
            FROM gone GROUP BY hour, status
        ), into_hourly AS (
          INSERT INTO payment_stats_hourly AS s (hour, status, shard, payments, amount)
            SELECT hour, status, 0, payments, amount FROM hourly WHERE payments <> 0 OR amount <> 0 ORDER BY hour, status
            ON CONFLICT (hour, status, shard) DO UPDATE
              SET payments = s.payments + EXCLUDED.payments, amount = s.amount + EXCLUDED.amount
        ), into_daily AS (
          INSERT INTO payment_stats_daily AS s (day, status, shard, payments, amount)
            SELECT (hour AT TIME ZONE 'UTC')::date, status, 0, sum(payments), sum(amount) FROM hourly
             GROUP BY 1, 2 HAVING sum(payments) <> 0 OR sum(amount) <> 0 ORDER BY 1, 2
            ON CONFLICT (day, status, shard) DO UPDATE
              SET payments = s.payments + EXCLUDED.payments, amount = s.amount + EXCLUDED.amount
        )
        SELECT coalesce(sum(changes), 0) INTO folded FROM hourly;
        RETURN folded;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // payment_stats_track() as it was: the aggregates bumped in place.
    await queryRunner.query(`CREATE OR REPLACE FUNCTION payment_stats_track() RETURNS trigger LANGUAGE plpgsql AS $$${PAYMENT_STATS_TRACK_IN_PLACE}$$`);
    // Whatever was appended meanwhile goes into the aggregates before the table goes.
    await queryRunner.query(`LOCK TABLE payment_stats_changes`);
    await queryRunner.query(`SELECT payment_stats_roll_up()`);
    await queryRunner.query(`DROP FUNCTION payment_stats_roll_up()`);
    await queryRunner.query(`DROP TABLE payment_stats_changes`);
  }
}
