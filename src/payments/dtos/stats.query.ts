import { IsDateString, IsOptional } from 'class-validator';

export class StatsQuery {
  /** createdAt at or after this instant (ISO 8601); a plain date means its start (UTC). */
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'from must be an ISO 8601 date or date-time' })
  from?: string;

  /** createdAt before this instant; a plain date includes that whole day (UTC). */
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'to must be an ISO 8601 date or date-time' })
  to?: string;
}
