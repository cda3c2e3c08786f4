import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsOptional } from 'class-validator';

export class StatsQuery {
  /** createdAt at or after this instant (ISO 8601); a plain date means its start (UTC). */
  @ApiPropertyOptional({ description: 'createdAt at or after this instant (ISO 8601); a plain date means its start (UTC).', example: '2025-11-01' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'from must be an ISO 8601 date or date-time' })
  from?: string;

  /** createdAt before this instant; a plain date includes that whole day (UTC). */
  @ApiPropertyOptional({ description: 'createdAt before this instant; a plain date includes that whole day (UTC).', example: '2025-11-30' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'to must be an ISO 8601 date or date-time' })
  to?: string;
}
