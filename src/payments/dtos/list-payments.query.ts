import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsKenyanPhoneNumber } from '../../mpesa/phone-number.validator';
import { PAYMENT_STATUSES, PaymentStatus } from '../payment-status';
import { CreatedAtRangeQuery } from './stats.query';

// IntersectionType keeps both parents' validation and documentation.
export class ListPaymentsQuery extends IntersectionType(PageQueryDto, CreatedAtRangeQuery) {
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
}
