import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { trimString } from '../../referrals/dtos/create-referral.dto';

/** POST /api/update-payment-status: an admin's manual correction, always with a reason. */
export class UpdatePaymentStatusDto {
  /** Daraja's CheckoutRequestID; give this or paymentId. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  stkRequestId?: string;

  @IsOptional()
  @IsUUID(undefined, { message: 'paymentId must be a UUID' })
  paymentId?: string;

  /** A manual change settles a payment: it cannot make one pending again. */
  @IsIn(['completed', 'failed'], { message: 'status must be completed or failed' })
  status!: 'completed' | 'failed';

  /** The M-Pesa receipt number, when completing. */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Z0-9]{8,20}$/, { message: 'mpesaTransactionId must be an M-Pesa receipt number (8-20 capital letters and digits)' })
  mpesaTransactionId?: string;

  /** The amount actually paid, if known: it must equal the payment's amount. */
  @IsOptional()
  @IsInt({ message: 'amount must be a whole number of shillings' })
  @Min(1)
  @Max(250000)
  amount?: number;

  @Transform(trimString)
  @IsString()
  @IsNotEmpty({ message: 'reason is required: say why the status is changed by hand' })
  @MaxLength(500)
  reason!: string;
}
