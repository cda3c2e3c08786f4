import { Transform } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsKenyanPhoneNumber } from '../../mpesa/phone-number.validator';

export const trimString = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateReferralDto {
  @Transform(trimString)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  patientName!: string;

  @IsOptional()
  @IsKenyanPhoneNumber()
  patientPhone?: string;

  @IsOptional()
  @Transform(trimString)
  @IsString()
  @MaxLength(200)
  referringFacility?: string;

  @IsOptional()
  @Transform(trimString)
  @IsString()
  @MaxLength(200)
  receivingFacility?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;

  /** Whole shillings; decimals are refused, never rounded. */
  @IsOptional()
  @IsInt({ message: 'amount must be a whole number of shillings' })
  @Min(1)
  @Max(250000)
  amount?: number;
}
