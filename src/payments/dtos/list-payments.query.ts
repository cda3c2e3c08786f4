import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsKenyanPhoneNumber } from '../../mpesa/phone-number.validator';
import { PAYMENT_STATUSES, PaymentStatus } from '../payment-status';

export class ListPaymentsQuery extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only payments of this referral.' })
  @IsOptional()
  @IsUUID(undefined, { message: 'referralId must be a UUID' })
  referralId?: string;

  @ApiPropertyOptional({ description: 'Only payments from this number, in any common form.', example: '254708374149' })
  @IsOptional()
  @IsKenyanPhoneNumber()
  phoneNumber?: string;

  @ApiPropertyOptional({ enum: PAYMENT_STATUSES, enumName: 'PaymentStatus', description: 'Only payments in this status.' })
  @IsOptional()
  @IsIn(PAYMENT_STATUSES, { message: `status must be one of: ${PAYMENT_STATUSES.join(', ')}` })
  status?: PaymentStatus;

  /** createdAt at or after this instant (ISO 8601). */
  @ApiPropertyOptional({ description: 'createdAt at or after this instant (ISO 8601 date or date-time).', example: '2025-11-01' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'from must be an ISO 8601 date or date-time' })
  from?: string;

  /** createdAt before this instant (ISO 8601). */
  @ApiPropertyOptional({ description: 'createdAt before this instant (ISO 8601 date or date-time).', example: '2025-12-01T00:00:00Z' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'to must be an ISO 8601 date or date-time' })
  to?: string;
}
