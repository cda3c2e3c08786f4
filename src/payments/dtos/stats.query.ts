import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { DATE_FILTER_FORMS, DATE_FILTER_RANGE, IsDateFilter } from '../../common/time-range';

const ACCEPTED = `Takes ${DATE_FILTER_FORMS}, ${DATE_FILTER_RANGE}; anything else answers 400 \`VALIDATION_FAILED\` naming the field.`;

/** `?from=&to=` on createdAt, shared by the stats and the payment list (see common/time-range.ts). */
export class CreatedAtRangeQuery {
  @ApiPropertyOptional({ description: `createdAt at or after this instant; a plain date means its start (UTC). ${ACCEPTED}`, example: '2025-11-01' })
  @IsOptional()
  @IsDateFilter()
  from?: string;

  @ApiPropertyOptional({ description: `createdAt before this instant; a plain date includes that whole day (UTC). ${ACCEPTED}`, example: '2025-11-30' })
  @IsOptional()
  @IsDateFilter()
  to?: string;
}

export class StatsQuery extends CreatedAtRangeQuery {}
