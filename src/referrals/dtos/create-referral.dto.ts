import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsKenyanPhoneNumber } from '../../mpesa/phone-number.validator';

export const trimString = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateReferralDto {
  @ApiProperty({ maxLength: 200, description: 'Trimmed; must not be empty.', example: 'Amina Wanjiru' })
  @Transform(trimString)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  patientName!: string;

  @ApiPropertyOptional({ description: 'A Kenyan mobile number in any common form; stored as 2547XXXXXXXX.', example: '0712 345 678' })
  @IsOptional()
  @IsKenyanPhoneNumber()
  patientPhone?: string;

  @ApiPropertyOptional({ maxLength: 200, example: 'Kiambu Level 4 Hospital' })
  @IsOptional()
  @Transform(trimString)
  @IsString()
  @MaxLength(200)
  referringFacility?: string;

  @ApiPropertyOptional({ maxLength: 200, example: 'Kenyatta National Hospital' })
  @IsOptional()
  @Transform(trimString)
  @IsString()
  @MaxLength(200)
  receivingFacility?: string;

  @ApiPropertyOptional({ maxLength: 2000, example: 'Cardiology review' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;

  /** Whole shillings; decimals are refused, never rounded. */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 250000, description: 'Fee in whole KES; defaults to REFERRAL_FEE_KES.', example: 1000 })
  @IsOptional()
  @IsInt({ message: 'amount must be a whole number of shillings' })
  @Min(1)
  @Max(250000)
  amount?: number;
}
