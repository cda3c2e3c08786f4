import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { trimString } from '../../referrals/dtos/create-referral.dto';

/** POST /api/update-payment-status: an admin's manual correction, always with a reason. */
export class UpdatePaymentStatusDto {
  /** Daraja's CheckoutRequestID; give this or paymentId. */
  @ApiPropertyOptional({ maxLength: 100, description: "Daraja's CheckoutRequestID; give this or paymentId (or both, naming the same payment).", example: 'ws_CO_21112025091412345708374149' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  stkRequestId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The payment; give this or stkRequestId.', example: '0b7f3c52-4b8e-4f5e-9a59-2f0c6b1d8e41' })
  @IsOptional()
  @IsUUID(undefined, { message: 'paymentId must be a UUID' })
  paymentId?: string;

  /** A manual change settles a payment: it cannot make one pending again. */
  @ApiProperty({ enum: ['completed', 'failed'], description: 'A manual change settles a payment; it cannot make one pending again.', example: 'completed' })
  @IsIn(['completed', 'failed'], { message: 'status must be completed or failed' })
  status!: 'completed' | 'failed';

  /** The M-Pesa receipt number, when completing. */
  @ApiPropertyOptional({ pattern: '^[A-Z0-9]{8,20}$', description: 'The M-Pesa receipt number, when completing.', example: 'SGR7HJ2K4L' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Z0-9]{8,20}$/, { message: 'mpesaTransactionId must be an M-Pesa receipt number (8-20 capital letters and digits)' })
  mpesaTransactionId?: string;

  /** The amount actually paid, if known: it must equal the payment's amount. */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 250000, description: "The amount actually paid, if known: it must equal the payment's amount.", example: 1000 })
  @IsOptional()
  @IsInt({ message: 'amount must be a whole number of shillings' })
  @Min(1)
  @Max(250000)
  amount?: number;

  @ApiProperty({ maxLength: 500, description: "Why the status is changed by hand; recorded on the payment's history with the key's role.", example: 'Customer showed the M-Pesa SMS; callback never arrived' })
  @Transform(trimString)
  @IsString()
  @IsNotEmpty({ message: 'reason is required: say why the status is changed by hand' })
  @MaxLength(500)
  reason!: string;
}
