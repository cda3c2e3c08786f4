import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { trimString } from '../../../referrals/dtos/create-referral.dto';

/** POST /api/receipts/:receipt/refund: `{reason}`. */
export class RefundReceiptDto {
  @ApiProperty({ maxLength: 100, description: "Why the money goes back; recorded with the key's role and sent as the Reversal's Remarks.", example: 'Patient paid twice' })
  @Transform(trimString)
  @IsString()
  @IsNotEmpty({ message: 'reason is required: say why the receipt is refunded' })
  @MaxLength(90)
  reason!: string;
}
