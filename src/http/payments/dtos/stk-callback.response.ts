// The answer Daraja gets to every well-formed callback, whatever the callback turns out to mean.
import { ApiProperty } from '@nestjs/swagger';

/** The body of that answer, shared by the STK callback route and the ledger result route. */
export const CALLBACK_ACCEPTED = { ResultCode: 0, ResultDesc: 'Accepted' } as const;

export class StkCallbackAcceptedResponse implements Readonly<typeof CALLBACK_ACCEPTED> {
  @ApiProperty({ enum: [0], example: 0 })
  readonly ResultCode!: 0;

  @ApiProperty({ enum: ['Accepted'], example: 'Accepted' })
  readonly ResultDesc!: 'Accepted';
}
