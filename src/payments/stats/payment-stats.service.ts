// GET /api/payments/stats from the trigger-maintained aggregates (never a scan of payments).
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { TimeRange } from '../../common/time-range';
import { splitStatsRange, StatsSegment } from './stats-range';

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
}

function segmentSql(segment: StatsSegment, params: unknown[]): string {
  const bind = (value: Date) => `$${params.push(value)}`;
  switch (segment.source) {
    case 'daily': {
      const conditions = [
        ...(segment.from ? [`day >= (${bind(segment.from)}::timestamptz AT TIME ZONE 'UTC')::date`] : []),
        ...(segment.to ? [`day < (${bind(segment.to)}::timestamptz AT TIME ZONE 'UTC')::date`] : []),
      ];
      return `SELECT status, payments, amount FROM payment_stats_daily${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
    }
    case 'hourly':
      return `SELECT status, payments, amount FROM payment_stats_hourly WHERE hour >= ${bind(segment.from)} AND hour < ${bind(segment.to)}`;
    case 'raw':
      return `SELECT status, 1::bigint AS payments, amount::bigint FROM payments WHERE created_at >= ${bind(segment.from)} AND created_at < ${bind(segment.to)}`;
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

@Injectable()
export class PaymentStatsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async stats(range: TimeRange): Promise<PaymentStats> {
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
}
