// Splits a createdAt range into the pieces the stats tables can answer: whole UTC days from the
// daily table, whole hours from the hourly table, and at most two partial hours at the edges,
// read from an index on payments(created_at).

export type StatsSegment =
  | { source: 'daily'; from: Date | null; to: Date | null }
  | { source: 'hourly'; from: Date; to: Date }
  | { source: 'raw'; from: Date; to: Date };

const HOUR = 3600_000;
const DAY = 24 * HOUR;

const floorTo = (t: number, unit: number) => Math.floor(t / unit) * unit;
const ceilTo = (t: number, unit: number) => Math.ceil(t / unit) * unit;

/** [from, to): from inclusive, to exclusive; null for an open end. */
export function splitStatsRange(from: Date | null, to: Date | null): StatsSegment[] {
  if (from === null && to === null) return [{ source: 'daily', from: null, to: null }];
  const start = from?.getTime() ?? null;
  const end = to?.getTime() ?? null;
  if (start !== null && end !== null && start >= end) return [];

  const firstWholeDay = start === null ? null : ceilTo(start, DAY);
  const lastWholeDayEnd = end === null ? null : floorTo(end, DAY);
  if (firstWholeDay !== null && lastWholeDayEnd !== null && firstWholeDay >= lastWholeDayEnd) {
    // No whole day inside: the range lies within one day, or straddles one midnight.
    return splitByHours(start as number, end as number);
  }
  const segments: StatsSegment[] = [];
  if (start !== null && firstWholeDay !== null && start < firstWholeDay) segments.push(...splitByHours(start, firstWholeDay));
  segments.push({ source: 'daily', from: firstWholeDay === null ? null : new Date(firstWholeDay), to: lastWholeDayEnd === null ? null : new Date(lastWholeDayEnd) });
  if (end !== null && lastWholeDayEnd !== null && lastWholeDayEnd < end) segments.push(...splitByHours(lastWholeDayEnd, end));
  return segments;
}

/** [from, to) from the hourly table and raw edges only: for a series by hour, where a day is too coarse. */
export function splitStatsRangeByHours(from: Date, to: Date): StatsSegment[] {
  return from.getTime() < to.getTime() ? splitByHours(from.getTime(), to.getTime()) : [];
}

function splitByHours(start: number, end: number): StatsSegment[] {
  const firstWholeHour = ceilTo(start, HOUR);
  const lastWholeHourEnd = floorTo(end, HOUR);
  if (firstWholeHour > lastWholeHourEnd) return [{ source: 'raw', from: new Date(start), to: new Date(end) }];
  if (firstWholeHour === lastWholeHourEnd) {
    // Straddles one hour mark without a whole hour inside: two partial hours, each under an hour.
    return [start, firstWholeHour, end].slice(0, -1).flatMap((from, i, all) => {
      const to = i === all.length - 1 ? end : firstWholeHour;
      return from < to ? [{ source: 'raw' as const, from: new Date(from), to: new Date(to) }] : [];
    });
  }
  const segments: StatsSegment[] = [];
  if (start < firstWholeHour) segments.push({ source: 'raw', from: new Date(start), to: new Date(firstWholeHour) });
  segments.push({ source: 'hourly', from: new Date(firstWholeHour), to: new Date(lastWholeHourEnd) });
  if (lastWholeHourEnd < end) segments.push({ source: 'raw', from: new Date(lastWholeHourEnd), to: new Date(end) });
  return segments;
}
