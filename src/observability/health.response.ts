// The health answers as OpenAPI models.
import { ApiProperty } from '@nestjs/swagger';

export class HealthLiveResponse {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status!: 'ok';
}

const UP = { type: 'object', additionalProperties: { type: 'object', properties: { status: { type: 'string', example: 'up' } } } } as const;

export class HealthReadyResponse {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status!: 'ok';

  @ApiProperty({ ...UP, description: 'The checks that passed, by name.', example: { postgres: { status: 'up' }, redis: { status: 'up' } } })
  info!: Record<string, { status: string }>;

  @ApiProperty({ ...UP, description: 'The checks that failed (empty when ready).', example: {} })
  error!: Record<string, { status: string }>;

  @ApiProperty({ ...UP, description: 'Every check, by name.', example: { postgres: { status: 'up' }, redis: { status: 'up' } } })
  details!: Record<string, { status: string }>;
}
