import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { IsKenyanPhoneNumber } from '../../../mpesa/phone-number.validator';

/** POST /api/mpesa/stk-push: the prototype's direct push, with the same rules as a referral payment. */
export class StkPushDto {
  @ApiProperty({ description: 'The paying number, any common form.', example: '0708374149' })
  @IsKenyanPhoneNumber()
  phoneNumber!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 250000, description: 'Whole KES.', example: 1000 })
  @IsInt({ message: 'amount must be a whole number of shillings' })
  @Min(1)
  @Max(250000)
  amount!: number;

  @ApiProperty({ format: 'uuid', description: 'The referral to pay; it must be `pending-payment`.', example: '5d0c4a9e-2f61-4c3b-8f0e-7d2a9b6e1c34' })
  @IsUUID(undefined, { message: 'referralId must be a UUID' })
  referralId!: string;

  /** Accepted for prototype compatibility; never sent to Daraja (it is shown on no prompt). */
  @ApiPropertyOptional({ maxLength: 200, description: 'Accepted for compatibility with the prototype; ignored.', example: 'Amina Wanjiru' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  patientName?: string;
}
