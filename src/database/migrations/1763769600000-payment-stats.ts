import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fills the (empty) aggregate tables from the payments table; the benchmark's bulk load reuses it.
 * Rows are written in time order, as the trigger writes them on a live system, so that one range's
 * rows share a few pages: in hash order, 1,000 hourly rows sat on 600 pages and a stats query with
 * a range spent most of its time fetching them.
 */
export const BACKFILL_PAYMENT_STATS = [
  `INSERT INTO payment_stats_daily (day, status, shard, payments, amount)
     SELECT (created_at AT TIME ZONE 'UTC')::date, status, (hashtext(id::text) & 15)::smallint, count(*), sum(amount)
       FROM payments GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
  `INSERT INTO payment_stats_hourly (hour, status, shard, payments, amount)
     SELECT date_trunc('hour', created_at, 'UTC'), status, (hashtext(id::text) & 15)::smallint, count(*), sum(amount)
       FROM payments GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
];

/**
 * The body of payment_stats_track() as this migration writes it: the aggregates bumped in place.
 * Old and new contributions are applied in status order, so two transactions that touch the
 * same rows lock them in the same order (migration 1796190800000 replaces it with an append).
 */
export const PAYMENT_STATS_TRACK_IN_PLACE = `
      DECLARE
        old_first boolean;
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM payment_stats_bump(NEW.created_at, NEW.status, (hashtext(NEW.id::text) & 15)::smallint, 1, NEW.amount);
        ELSIF TG_OP = 'DELETE' THEN
          PERFORM payment_stats_bump(OLD.created_at, OLD.status, (hashtext(OLD.id::text) & 15)::smallint, -1, -OLD.amount);
        ELSE
          old_first := OLD.status <= NEW.status;
          IF old_first THEN
            PERFORM payment_stats_bump(OLD.created_at, OLD.status, (hashtext(OLD.id::text) & 15)::smallint, -1, -OLD.amount);
          END IF;
          PERFORM payment_stats_bump(NEW.created_at, NEW.status, (hashtext(NEW.id::text) & 15)::smallint, 1, NEW.amount);
          IF NOT old_first THEN
            PERFORM payment_stats_bump(OLD.created_at, OLD.status, (hashtext(OLD.id::text) & 15)::smallint, -1, -OLD.amount);
          END IF;
        END IF;
        RETURN NULL;
      END `;

/**
 * Payment statistics kept current by a trigger, in the same transaction as every change to a
 * payment, so they equal a count over the payments table at all times. Rows are per day and per
 * hour (createdAt, UTC), per status and per shard: a payment always lands in the shard its id
 * hashes to, so concurrent changes to different payments rarely touch the same row.
 */
export class PaymentStats1763769600000 implements MigrationInterface {
  name = 'PaymentStats1763769600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, bucket] of [
      ['payment_stats_daily', 'day date'],
      ['payment_stats_hourly', 'hour timestamptz'],
    ]) {
      const column = bucket.split(' ')[0];
      await queryRunner.query(`
        CREATE TABLE ${table} (
          ${bucket} NOT NULL,
          status varchar(10) NOT NULL,
          shard smallint NOT NULL,
          payments bigint NOT NULL,
          amount bigint NOT NULL,
          PRIMARY KEY (${column}, status, shard)
        )`);
    }

    await queryRunner.query(`
      CREATE FUNCTION payment_stats_bump(p_created timestamptz, p_status varchar, p_shard smallint, p_count int, p_amount bigint)
      RETURNS void LANGUAGE sql AS $$
        INSERT INTO payment_stats_daily AS s (day, status, shard, payments, amount)
          VALUES ((p_created AT TIME ZONE 'UTC')::date, p_status, p_shard, p_count, p_amount)
          ON CONFLICT (day, status, shard) DO UPDATE
            SET payments = s.payments + EXCLUDED.payments, amount = s.amount + EXCLUDED.amount;
        INSERT INTO payment_stats_hourly AS s (hour, status, shard, payments, amount)
          VALUES (date_trunc('hour', p_created, 'UTC'), p_status, p_shard, p_count, p_amount)
          ON CONFLICT (hour, status, shard) DO UPDATE
            SET payments = s.payments + EXCLUDED.payments, amount = s.amount + EXCLUDED.amount;
      $$`);

    // Old and new contributions are applied in status order, so two transactions that touch the
    // same rows always lock them in the same order and cannot deadlock each other.
    await queryRunner.query(`CREATE FUNCTION payment_stats_track() RETURNS trigger LANGUAGE plpgsql AS $$${PAYMENT_STATS_TRACK_IN_PLACE}$$`);
    await queryRunner.query(`
      CREATE TRIGGER payments_stats_insert_delete AFTER INSERT OR DELETE ON payments
        FOR EACH ROW EXECUTE FUNCTION payment_stats_track()`);
    await queryRunner.query(`
      CREATE TRIGGER payments_stats_update AFTER UPDATE OF status, amount, created_at ON payments
        FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.amount <> NEW.amount OR OLD.created_at <> NEW.created_at)
        EXECUTE FUNCTION payment_stats_track()`);

    // Payments that exist already (the migration may run on a live database).
    for (const sql of BACKFILL_PAYMENT_STATS) await queryRunner.query(sql);

    // The partial hours at the edges of a ?from=&to= range are read from this index alone.
    await queryRunner.query(`DROP INDEX payments_created_at_idx`);
    await queryRunner.query(`CREATE INDEX payments_created_at_idx ON payments (created_at) INCLUDE (status, amount)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER payments_stats_update ON payments`);
    await queryRunner.query(`DROP TRIGGER payments_stats_insert_delete ON payments`);
    await queryRunner.query(`DROP FUNCTION payment_stats_track()`);
    await queryRunner.query(`DROP FUNCTION payment_stats_bump(timestamptz, varchar, smallint, int, bigint)`);
    await queryRunner.query(`DROP TABLE payment_stats_hourly`);
    await queryRunner.query(`DROP TABLE payment_stats_daily`);
    await queryRunner.query(`DROP INDEX payments_created_at_idx`);
    await queryRunner.query(`CREATE INDEX payments_created_at_idx ON payments (created_at)`);
  }
}
