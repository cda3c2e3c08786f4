import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsKenyanPhoneNumber } from '../../mpesa/phone-number.validator';

/** POST /api/referrals/:id/payments: both fields default from the referral. */
export class StartReferralPaymentDto {
  @IsOptional()
  @IsKenyanPhoneNumber()
  phoneNumber?: string;

  @IsOptional()
  @IsInt({ message: 'amount must be a whole number of shillings' })
  @Min(1)
  @Max(250000)
  amount?: number;
}
