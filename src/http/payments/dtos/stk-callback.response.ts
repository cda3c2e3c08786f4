// The answer Daraja gets to every well-formed callback, whatever the callback turns out to mean.
import { ApiProperty } from '@nestjs/swagger';
import type { CALLBACK_ACCEPTED } from '../callbacks/stk-callback.controller';

export class StkCallbackAcceptedResponse implements Readonly<typeof CALLBACK_ACCEPTED> {
  @ApiProperty({ enum: [0], example: 0 })
  readonly ResultCode!: 0;

  @ApiProperty({ enum: ['Accepted'], example: 'Accepted' })
  readonly ResultDesc!: 'Accepted';
}
