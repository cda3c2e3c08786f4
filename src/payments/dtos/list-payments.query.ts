import { IsDateString, IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsKenyanPhoneNumber } from '../../mpesa/phone-number.validator';
import { PAYMENT_STATUSES, PaymentStatus } from '../payment-status';

export class ListPaymentsQuery extends PageQueryDto {
  @IsOptional()
  @IsUUID(undefined, { message: 'referralId must be a UUID' })
  referralId?: string;

  @IsOptional()
  @IsKenyanPhoneNumber()
  phoneNumber?: string;

  @IsOptional()
  @IsIn(PAYMENT_STATUSES, { message: `status must be one of: ${PAYMENT_STATUSES.join(', ')}` })
  status?: PaymentStatus;

  /** createdAt at or after this instant (ISO 8601). */
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'from must be an ISO 8601 date or date-time' })
  from?: string;

  /** createdAt before this instant (ISO 8601). */
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'to must be an ISO 8601 date or date-time' })
  to?: string;
}
