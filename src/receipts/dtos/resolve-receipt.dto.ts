import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsString, IsUUID, MaxLength, ValidateIf } from 'class-validator';
import { trimString } from '../../referrals/dtos/create-referral.dto';

/** POST /api/receipts/:receipt/resolve: `{action: "attach", paymentId, reason}` or `{action: "dismiss", reason}`. */
export class ResolveReceiptDto {
  @ApiProperty({ enum: ['attach', 'dismiss'], description: '`attach`: the receipt pays `paymentId`, by the rules a success callback meets; `dismiss`: it pays nothing.', example: 'attach' })
  @IsIn(['attach', 'dismiss'], { message: 'action must be attach or dismiss' })
  action!: 'attach' | 'dismiss';

  @ApiPropertyOptional({ format: 'uuid', description: 'The payment the receipt pays; required for `attach`, refused for `dismiss`.', example: '0b7f3c52-4b8e-4f5e-9a59-2f0c6b1d8e41' })
  @ValidateIf((o: ResolveReceiptDto) => o.action === 'attach' || o.paymentId !== undefined)
  @IsUUID(undefined, { message: 'paymentId must be a UUID (required for action attach)' })
  paymentId?: string;

  @ApiProperty({ maxLength: 500, description: "Why; recorded on the receipt's history (and the payment's, when attached) with the key's role.", example: 'Patient showed the M-Pesa SMS; the push was sent from the clinic phone' })
  @Transform(trimString)
  @IsString()
  @IsNotEmpty({ message: 'reason is required: say why the receipt is resolved by hand' })
  @MaxLength(500)
  reason!: string;
}
