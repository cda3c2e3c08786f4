// `?from=&to=` on createdAt. A plain date in `to` means "through the end of that day (UTC)", so
// from=2026-11-01&to=2026-11-30 covers all of November; a date-time in `to` is exclusive.
import { DomainError } from './domain-error';

export interface TimeRange {
  from?: Date;
  to?: Date;
}

const PLAIN_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function parseTimeRange(from: string | undefined, to: string | undefined): TimeRange {
  const range: TimeRange = {};
  if (from !== undefined) range.from = new Date(PLAIN_DATE.test(from) ? `${from}T00:00:00Z` : from);
  if (to !== undefined) {
    range.to = new Date(PLAIN_DATE.test(to) ? `${to}T00:00:00Z` : to);
    if (PLAIN_DATE.test(to)) range.to = new Date(range.to.getTime() + 24 * 3600 * 1000);
  }
  for (const [field, value] of Object.entries(range)) {
    if (Number.isNaN((value as Date).getTime())) {
      throw new DomainError('VALIDATION_FAILED', `${field} is not a valid date`, { fields: [{ field, messages: [`${field} is not a valid date`] }] });
    }
  }
  if (range.from && range.to && range.from > range.to) {
    throw new DomainError('VALIDATION_FAILED', 'from must not be after to', { fields: [{ field: 'from', messages: ['from must not be after to'] }] });
  }
  return range;
}
