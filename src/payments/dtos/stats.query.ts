import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsOptional } from 'class-validator';

/** `?from=&to=` on createdAt, shared by the stats and the payment list (see common/time-range.ts). */
export class CreatedAtRangeQuery {
  @ApiPropertyOptional({ description: 'createdAt at or after this instant (ISO 8601); a plain date means its start (UTC).', example: '2025-11-01' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'from must be an ISO 8601 date or date-time' })
  from?: string;

  @ApiPropertyOptional({ description: 'createdAt before this instant; a plain date includes that whole day (UTC).', example: '2025-11-30' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'to must be an ISO 8601 date or date-time' })
  to?: string;
}

export class StatsQuery extends CreatedAtRangeQuery {}
