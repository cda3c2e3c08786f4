import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsKenyanPhoneNumber } from '../../mpesa/phone-number.validator';
import { REFERRAL_STATUSES, ReferralStatus } from '../referral-status';

export class ChangeReferralStatusDto {
  @ApiProperty({ enum: REFERRAL_STATUSES, enumName: 'ReferralStatus', description: 'The status to move to (see the workflow table; `paid` is never set by hand).', example: 'pending-payment' })
  @IsIn(REFERRAL_STATUSES, { message: `status must be one of: ${REFERRAL_STATUSES.join(', ')}` })
  status!: ReferralStatus;

  /** The number that receives the STK prompt; needed to enter pending-payment unless already set. */
  @ApiPropertyOptional({ description: 'Needed to enter `pending-payment` unless the referral has one; any common form.', example: '0708374149' })
  @IsOptional()
  @IsKenyanPhoneNumber()
  stkPhoneNumber?: string;

  @ApiPropertyOptional({ maxLength: 2000, description: 'Recorded with the change.', example: 'Biodata complete' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}
