// `?from=&to=` on createdAt, one parser for every date filter. A plain date in `to` means "through
// the end of that day (UTC)", so from=2026-11-01&to=2026-11-30 covers all of November; a date-time
// in `to` is exclusive.
//
// Accepted: `YYYY-MM-DD`, or `YYYY-MM-DDTHH:mm[:ss[.fraction]]` with `Z` or an offset `±HH:mm`
// (`±HHmm`, `±HH`), none meaning UTC (never the server's own zone). The instant, in UTC, must lie
// within 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999Z: every instant ISO 8601 writes with a
// four-digit year, all of which Postgres and JavaScript hold exactly. A bound before or after every
// payment is simply no bound, so there is nothing to gain from refusing `from=0001-01-01`; years
// beyond four digits (`+010000-…`) need ISO's expanded form, which nobody sends by accident.
// Week (`2026-W01`), ordinal (`2026-001`), basic (`20260101`) and reduced (`2026-01`) forms are
// refused rather than guessed at.
import { ValidateBy, ValidationArguments } from 'class-validator';
import { DomainError } from './domain-error';

export interface TimeRange {
  from?: Date;
  to?: Date;
}

export const EARLIEST_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
export const LATEST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');
export const DATE_FILTER_FORMS = 'a date (YYYY-MM-DD) or a date-time (YYYY-MM-DDTHH:mm[:ss[.sss]] followed by Z or ±HH:mm; without either it is UTC)';
export const DATE_FILTER_RANGE = 'between 0001-01-01 and 9999-12-31 (UTC)';

// An offset's "+" sent unencoded in a query string arrives as a space; nothing else can mean that.
const FORM = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+\- ]\d{2}(?::?\d{2})?)?)?$/;
/** ISO 8601's expanded years (`+010000-01-01`, `-000001-01-01`): well-formed, but outside the range. */
const EXPANDED_YEAR = /^[+-]\d{4,}-\d{2}-\d{2}/;
const DAY_MS = 24 * 3600 * 1000;

export type DateFilterValue = { ok: true; instant: Date; plainDate: boolean } | { ok: false; message: string };

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const daysIn = (year: number, month: number) => [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];

/** Offset in minutes east of UTC, or null when out of range. */
function offsetMinutes(offset: string | undefined): number | null {
  if (offset === undefined || offset === 'Z' || offset === 'z') return 0;
  const sign = offset[0] === '-' ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  return hours < 24 && minutes < 60 ? sign * (hours * 60 + minutes) : null;
}

export function parseDateFilter(value: unknown, field: string): DateFilterValue {
  const match = typeof value === 'string' ? FORM.exec(value) : null;
  if (!match) {
    const expanded = typeof value === 'string' && EXPANDED_YEAR.test(value);
    return { ok: false, message: expanded ? `${field} must be ${DATE_FILTER_RANGE}` : `${field} must be ${DATE_FILTER_FORMS}` };
  }
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part))) as number[];
  const millis = match[7] === undefined ? 0 : Number(match[7].padEnd(3, '0').slice(0, 3));
  const offset = offsetMinutes(match[8]);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59 || offset === null) {
    return { ok: false, message: `${field} is not a real date and time of day` };
  }
  const instant = new Date(0);
  instant.setUTCFullYear(year, month - 1, day); // unlike Date.UTC, takes years below 100 as they are
  instant.setUTCHours(hour, minute, second, millis);
  instant.setTime(instant.getTime() - offset * 60_000);
  if (instant.getTime() < EARLIEST_INSTANT || instant.getTime() > LATEST_INSTANT) {
    return { ok: false, message: `${field} must be ${DATE_FILTER_RANGE}` };
  }
  return { ok: true, instant, plainDate: match[4] === undefined };
}

/** DTO decorator for a date filter: the same rules and messages as parseTimeRange. */
export function IsDateFilter(): PropertyDecorator {
  return ValidateBy({
    name: 'isDateFilter',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => parseDateFilter(value, args?.property ?? 'value').ok,
      defaultMessage: (args?: ValidationArguments) => {
        const parsed = parseDateFilter(args?.value, args?.property ?? 'value');
        return parsed.ok ? '' : parsed.message;
      },
    },
  });
}

function invalid(field: string, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', message, { fields: [{ field, messages: [message] }] });
}

export function parseTimeRange(from: string | undefined, to: string | undefined): TimeRange {
  const range: TimeRange = {};
  for (const [field, value] of [['from', from], ['to', to]] as const) {
    if (value === undefined) continue;
    const parsed = parseDateFilter(value, field);
    if (!parsed.ok) throw invalid(field, parsed.message);
    // A plain date in `to` takes that whole day; for 9999-12-31 the end is 10000-01-01, which Postgres holds.
    range[field] = field === 'to' && parsed.plainDate ? new Date(parsed.instant.getTime() + DAY_MS) : parsed.instant;
  }
  if (range.from && range.to && range.from > range.to) throw invalid('from', 'from must not be after to');
  return range;
}
