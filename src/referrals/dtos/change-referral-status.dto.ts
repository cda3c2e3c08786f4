import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsKenyanPhoneNumber } from '../../mpesa/phone-number.validator';
import { REFERRAL_STATUSES, ReferralStatus } from '../referral-status';

export class ChangeReferralStatusDto {
  @IsIn(REFERRAL_STATUSES, { message: `status must be one of: ${REFERRAL_STATUSES.join(', ')}` })
  status!: ReferralStatus;

  /** The number that receives the STK prompt; needed to enter pending-payment unless already set. */
  @IsOptional()
  @IsKenyanPhoneNumber()
  stkPhoneNumber?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}
