// Path parameters the routes share. A malformed UUID answers 400 VALIDATION_FAILED (the routes'
// ParseUUIDPipe), which the routes list among their errors.
import { ApiParam } from '@nestjs/swagger';

export const ApiUuidParam = (name: string, description: string): MethodDecorator & ClassDecorator =>
  ApiParam({ name, description, schema: { type: 'string', format: 'uuid' }, example: '5d0c4a9e-2f61-4c3b-8f0e-7d2a9b6e1c34' });
