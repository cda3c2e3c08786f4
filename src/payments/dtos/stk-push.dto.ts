import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { IsKenyanPhoneNumber } from '../../mpesa/phone-number.validator';

/** POST /api/mpesa/stk-push: the prototype's direct push, with the same rules as a referral payment. */
export class StkPushDto {
  @IsKenyanPhoneNumber()
  phoneNumber!: string;

  @IsInt({ message: 'amount must be a whole number of shillings' })
  @Min(1)
  @Max(250000)
  amount!: number;

  @IsUUID(undefined, { message: 'referralId must be a UUID' })
  referralId!: string;

  /** Accepted for prototype compatibility; never sent to Daraja (it is shown on no prompt). */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  patientName?: string;
}
