import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { trimString } from '../../referrals/dtos/create-referral.dto';
import { WEBHOOK_EVENT_TYPES } from '../webhook-events';

const EVENTS_MESSAGE = `each of events must be one of: ${WEBHOOK_EVENT_TYPES.join(', ')}`;

export class CreateWebhookEndpointDto {
  @ApiProperty({ maxLength: 2000, description: '`https` outside simulator mode; no loopback, private or link-local target unless `WEBHOOK_ALLOW_PRIVATE_URLS=true`.', example: 'https://emr.example-clinic.co.ke/hooks/payments' })
  @Transform(trimString)
  @IsString()
  @MaxLength(2000)
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true, description: 'The event types this endpoint receives (at least one).', example: ['payment.completed', 'referral.paid'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true, message: EVENTS_MESSAGE })
  events!: string[];

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500, example: 'Kenyatta EMR' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ maxLength: 2000, description: 'The same rules as on create.' })
  @IsOptional()
  @Transform(trimString)
  @IsString()
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENT_TYPES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true, message: EVENTS_MESSAGE })
  events?: string[];

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500 })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({ enum: ['enabled', 'disabled'], description: 'Enabling clears `disabledReason`.' })
  @IsOptional()
  @IsIn(['enabled', 'disabled'])
  status?: 'enabled' | 'disabled';
}

export class ListWebhookDeliveriesQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'succeeded', 'failed'], description: 'Only deliveries in this status.' })
  @IsOptional()
  @IsIn(['pending', 'succeeded', 'failed'], { message: 'status must be one of: pending, succeeded, failed' })
  status?: 'pending' | 'succeeded' | 'failed';
}
