import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';

export class PaymentEventsQuery {
  @ApiPropertyOptional({ format: 'uuid', description: "Only changes to this referral's payments." })
  @IsOptional()
  @IsUUID(undefined, { message: 'referralId must be a UUID' })
  referralId?: string;
}
