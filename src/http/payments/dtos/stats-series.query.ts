import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { DATE_FILTER_FORMS, DATE_FILTER_RANGE, IsDateFilter } from '../../../common/time-range';
import { DEFAULT_SERIES_POINTS, MAX_SERIES_POINTS, SERIES_INTERVALS, SeriesInterval } from '../../../payments/stats/stats-series';

const ACCEPTED = `Takes ${DATE_FILTER_FORMS}, ${DATE_FILTER_RANGE}; anything else answers 400 \`VALIDATION_FAILED\` naming the field.`;

/** `?from=&to=&interval=` of GET /api/payments/stats/series: the stats' date filters, other defaults. */
export class StatsSeriesQuery {
  @ApiPropertyOptional({
    description:
      `createdAt at or after this instant; a plain date means its start (UTC). Default: ${DEFAULT_SERIES_POINTS.day} days ` +
      `(interval=day) or ${DEFAULT_SERIES_POINTS.hour} hours (interval=hour) before the end of the interval \`to\` falls in. ${ACCEPTED}`,
    example: '2025-11-01',
  })
  @IsOptional()
  @IsDateFilter()
  from?: string;

  @ApiPropertyOptional({
    description: `createdAt before this instant; a plain date includes that whole day (UTC). Default: the end of the current hour or UTC day. ${ACCEPTED}`,
    example: '2025-11-30',
  })
  @IsOptional()
  @IsDateFilter()
  to?: string;

  @ApiPropertyOptional({
    enum: SERIES_INTERVALS,
    default: 'day',
    description: `One point per UTC hour or UTC day. At most ${MAX_SERIES_POINTS} points (31 days of hours).`,
  })
  @IsOptional()
  @IsIn(SERIES_INTERVALS, { message: `interval must be one of: ${SERIES_INTERVALS.join(', ')}` })
  interval?: SeriesInterval;
}
