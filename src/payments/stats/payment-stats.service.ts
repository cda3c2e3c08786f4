// GET /api/payments/stats and /stats/series from the trigger-maintained aggregates (never a scan of
// payments): the rolled-up rows plus the changes appended since the last roll-up, in one statement.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { TimeRange } from '../../common/time-range';
import { splitStatsRange, splitStatsRangeByHours, StatsSegment } from './stats-range';
import { SERIES_UNIT_MS, SeriesInterval, SeriesWindow, seriesWindow } from './stats-series';

export interface PaymentStats {
  total: number;
  pending: number;
  completed: number;
  failed: number;
  /** KES collected: the sum of completed payments. */
  totalAmount: number;
  pendingAmount: number;
  failedAmount: number;
  /** completed / (completed + failed), 0 when both are 0. */
  successRate: number;
  /** KES on unmatched and review receipts: money M-Pesa took that pays no payment yet. */
  reviewAmount: number;
  /** KES on refund-due receipts: patients who paid twice. */
  refundDueAmount: number;
  /** KES on refunded receipts. */
  refundedAmount: number;
}

/** One interval of GET /api/payments/stats/series. */
export interface PaymentSeriesPoint {
  /** The interval's start (UTC), ISO 8601. */
  at: string;
  total: number;
  pending: number;
  completed: number;
  failed: number;
  /** KES collected in the interval: the sum of its completed payments. */
  totalAmount: number;
}

/** How a series labels each aggregate row: the start of its UTC hour or day, as a timestamptz. */
const BUCKET: Record<SeriesInterval, Record<StatsSegment['source'], string | null>> = {
  day: { daily: `day::timestamp AT TIME ZONE 'UTC'`, hourly: `date_trunc('day', hour, 'UTC')`, raw: `date_trunc('day', created_at, 'UTC')` },
  // The daily table cannot split a day into hours; splitStatsRangeByHours never asks it to.
  hour: { daily: null, hourly: 'hour', raw: `date_trunc('hour', created_at, 'UTC')` },
};

function segmentSql(segment: StatsSegment, params: unknown[], interval?: SeriesInterval): string {
  const bind = (value: Date) => `$${params.push(value)}`;
  const bucketOf = (source: StatsSegment['source']) => {
    if (!interval) return '';
    const expression = BUCKET[interval][source];
    if (!expression) throw new Error(`a series by ${interval} cannot read the ${source} table`);
    return `${expression} AS bucket, `;
  };
  // The changes not rolled up yet, labelled by hour like the hourly table (a whole day is 24 hours).
  const changes = (from: Date | null, to: Date | null) => {
    const conditions = [...(from ? [`hour >= ${bind(from)}`] : []), ...(to ? [`hour < ${bind(to)}`] : [])];
    return `SELECT ${bucketOf('hourly')}status, payments::bigint, amount FROM payment_stats_changes${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
  };
  switch (segment.source) {
    case 'daily': {
      const conditions = [
        ...(segment.from ? [`day >= (${bind(segment.from)}::timestamptz AT TIME ZONE 'UTC')::date`] : []),
        ...(segment.to ? [`day < (${bind(segment.to)}::timestamptz AT TIME ZONE 'UTC')::date`] : []),
      ];
      const daily = `SELECT ${bucketOf('daily')}status, payments, amount FROM payment_stats_daily${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
      return `${daily} UNION ALL ${changes(segment.from, segment.to)}`;
    }
    case 'hourly':
      return `SELECT ${bucketOf('hourly')}status, payments, amount FROM payment_stats_hourly WHERE hour >= ${bind(segment.from)} AND hour < ${bind(segment.to)}` +
        ` UNION ALL ${changes(segment.from, segment.to)}`;
    case 'raw':
      return `SELECT ${bucketOf('raw')}status, 1::bigint AS payments, amount::bigint FROM payments WHERE created_at >= ${bind(segment.from)} AND created_at < ${bind(segment.to)}`;
  }
}

/** The one statement that answers GET /api/payments/stats for a range; null when the range is empty. */
export function paymentStatsQuery(range: TimeRange): { sql: string; params: unknown[] } | null {
  const segments = splitStatsRange(range.from ?? null, range.to ?? null);
  if (segments.length === 0) return null;
  const params: unknown[] = [];
  const union = segments.map((s) => segmentSql(s, params)).join(' UNION ALL ');
  return { sql: `SELECT status, sum(payments) AS payments, sum(amount) AS amount FROM (${union}) pieces GROUP BY status`, params };
}

/**
 * The one statement that answers GET /api/payments/stats/series: the same pieces as the stats
 * (whole days, whole hours, raw edges), each row labelled with its interval; null when empty.
 */
export function paymentSeriesQuery(window: SeriesWindow): { sql: string; params: unknown[] } | null {
  const segments = window.interval === 'day' ? splitStatsRange(window.from, window.to) : splitStatsRangeByHours(window.from, window.to);
  if (segments.length === 0) return null;
  const params: unknown[] = [];
  const union = segments.map((s) => segmentSql(s, params, window.interval)).join(' UNION ALL ');
  return {
    // Epoch milliseconds rather than a timestamptz: exact for every year the filters take.
    sql: `SELECT (extract(epoch FROM bucket) * 1000)::bigint AS at, status, sum(payments) AS payments, sum(amount) AS amount
            FROM (${union}) pieces GROUP BY bucket, status`,
    params,
  };
}

@Injectable()
export class PaymentStatsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Folds the stats changes appended since the last roll-up into the aggregates; the count folded,
   * or null when another roll-up was running (it folds them instead).
   */
  async rollUp(): Promise<{ folded: number | null }> {
    const [row]: { folded: string }[] = await this.dataSource.query('SELECT payment_stats_roll_up() AS folded');
    const folded = Number(row.folded);
    return { folded: folded < 0 ? null : folded };
  }

  async stats(range: TimeRange): Promise<PaymentStats> {
    const [payments, receipts] = await Promise.all([this.paymentTotals(range), this.receiptTotals(range)]);
    return { ...payments, ...receipts };
  }

  /**
   * The receipts' sums over the same range, on their createdAt (when the service first heard of
   * them). A scan of the receipts in range: they are a small table next to payments (one row per
   * receipt, most of them applied), and the state index serves an unbounded range.
   */
  private async receiptTotals(range: TimeRange): Promise<Pick<PaymentStats, 'reviewAmount' | 'refundDueAmount' | 'refundedAmount'>> {
    const [row]: { review: string | null; refund_due: string | null; refunded: string | null }[] = await this.dataSource.query(
      `SELECT sum(amount) FILTER (WHERE state IN ('unmatched', 'review')) AS review,
              sum(amount) FILTER (WHERE state = 'refund-due') AS refund_due,
              sum(amount) FILTER (WHERE state = 'refunded') AS refunded
         FROM receipts
        WHERE state IN ('unmatched', 'review', 'refund-due', 'refunded')
          AND ($1::timestamptz IS NULL OR created_at >= $1) AND ($2::timestamptz IS NULL OR created_at < $2)`,
      [range.from ?? null, range.to ?? null],
    );
    return { reviewAmount: Number(row?.review ?? 0), refundDueAmount: Number(row?.refund_due ?? 0), refundedAmount: Number(row?.refunded ?? 0) };
  }

  private async paymentTotals(range: TimeRange): Promise<Omit<PaymentStats, 'reviewAmount' | 'refundDueAmount' | 'refundedAmount'>> {
    const totals = { pending: { n: 0, amount: 0 }, completed: { n: 0, amount: 0 }, failed: { n: 0, amount: 0 } };
    const query = paymentStatsQuery(range);
    if (query) {
      const rows: { status: keyof typeof totals; payments: string; amount: string }[] = await this.dataSource.query(query.sql, query.params);
      for (const row of rows) totals[row.status] = { n: Number(row.payments), amount: Number(row.amount) };
    }
    const settled = totals.completed.n + totals.failed.n;
    return {
      total: totals.pending.n + totals.completed.n + totals.failed.n,
      pending: totals.pending.n,
      completed: totals.completed.n,
      failed: totals.failed.n,
      totalAmount: totals.completed.amount,
      pendingAmount: totals.pending.amount,
      failedAmount: totals.failed.amount,
      successRate: settled === 0 ? 0 : Math.round((totals.completed.n / settled) * 10_000) / 10_000,
    };
  }

  /** One point per interval of the window, oldest first, zeros included. */
  async series(range: TimeRange, interval: SeriesInterval, now = new Date()): Promise<PaymentSeriesPoint[]> {
    const window = seriesWindow(range, interval, now);
    const unit = SERIES_UNIT_MS[interval];
    const points: PaymentSeriesPoint[] = Array.from({ length: window.points }, (_, i) => ({
      at: new Date(window.first.getTime() + i * unit).toISOString(),
      total: 0,
      pending: 0,
      completed: 0,
      failed: 0,
      totalAmount: 0,
    }));
    const query = paymentSeriesQuery(window);
    if (!query) return points;
    const rows: { at: string; status: 'pending' | 'completed' | 'failed'; payments: string; amount: string }[] = await this.dataSource.query(query.sql, query.params);
    for (const row of rows) {
      const point = points[(Number(row.at) - window.first.getTime()) / unit];
      // Rows outside the window cannot come back from the query; refuse to drop one silently.
      if (!point) throw new Error(`stats series: a row for ${new Date(Number(row.at)).toISOString()} lies outside the window`);
      const n = Number(row.payments);
      point[row.status] += n;
      point.total += n;
      if (row.status === 'completed') point.totalAmount += Number(row.amount);
    }
    return points;
  }
}
