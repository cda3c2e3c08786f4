// The window of GET /api/payments/stats/series: which UTC hours or days it answers, with defaults
// for missing bounds and the 744-point limit (31 days of hours), decided before any query runs.
import { DomainError } from '../../common/domain-error';
import type { TimeRange } from '../../common/time-range';

export const SERIES_INTERVALS = ['hour', 'day'] as const;
export type SeriesInterval = (typeof SERIES_INTERVALS)[number];

export const MAX_SERIES_POINTS = 744;
/** Points answered when `from` is missing: the last 30 days, or the last 48 hours. */
export const DEFAULT_SERIES_POINTS: Record<SeriesInterval, number> = { day: 30, hour: 48 };

export const SERIES_UNIT_MS: Record<SeriesInterval, number> = { hour: 3600_000, day: 24 * 3600_000 };

export interface SeriesWindow {
  interval: SeriesInterval;
  /** Payments created in [from, to) are counted. */
  from: Date;
  to: Date;
  /** The start of the first interval (from, rounded down to the hour or UTC day). */
  first: Date;
  points: number;
}

const floorTo = (t: number, unit: number) => Math.floor(t / unit) * unit;
const ceilTo = (t: number, unit: number) => Math.ceil(t / unit) * unit;

function invalid(fields: string[], message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', message, { fields: fields.map((field) => ({ field, messages: [message] })) });
}

/**
 * Without `to`, the series ends with the current interval (this hour, today); without `from`, it
 * starts DEFAULT_SERIES_POINTS intervals before the end of the interval `to` falls in. Each point
 * is one whole interval; a bound inside an interval clips that point to [from, to), so the points
 * always add up to GET /api/payments/stats for the same range.
 */
export function seriesWindow(range: TimeRange, interval: SeriesInterval, now: Date): SeriesWindow {
  const unit = SERIES_UNIT_MS[interval];
  const to = range.to ?? new Date(floorTo(now.getTime(), unit) + unit);
  const from = range.from ?? new Date(ceilTo(to.getTime(), unit) - DEFAULT_SERIES_POINTS[interval] * unit);
  if (from > to) {
    throw invalid(['from'], `from must not be after to (without to, the series ends with the current ${interval}, ${to.toISOString()})`);
  }
  const first = floorTo(from.getTime(), unit);
  const points = from.getTime() === to.getTime() ? 0 : (ceilTo(to.getTime(), unit) - first) / unit;
  if (points > MAX_SERIES_POINTS) {
    throw invalid(
      ['from', 'to'],
      `from and to span ${points} ${interval}s, and a series has at most ${MAX_SERIES_POINTS} points: narrow the range` +
        (interval === 'hour' ? ' or ask for interval=day' : ''),
    );
  }
  return { interval, from, to, first: new Date(first), points };
}
