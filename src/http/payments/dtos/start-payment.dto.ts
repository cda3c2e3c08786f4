import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsKenyanPhoneNumber } from '../../../mpesa/phone-number.validator';

/** POST /api/referrals/:id/payments: both fields default from the referral. */
export class StartReferralPaymentDto {
  @ApiPropertyOptional({ description: "The paying number, any common form; defaults to the referral's stkPhoneNumber.", example: '0708374149' })
  @IsOptional()
  @IsKenyanPhoneNumber()
  phoneNumber?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 250000, description: "Whole KES; defaults to the referral's amount.", example: 1000 })
  @IsOptional()
  @IsInt({ message: 'amount must be a whole number of shillings' })
  @Min(1)
  @Max(250000)
  amount?: number;
}
