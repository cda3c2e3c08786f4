// The contract's error body as an OpenAPI model: every non-2xx answer of the API has this shape.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_HTTP_STATUS, ErrorCode } from '../domain-error';

const ERROR_CODES = Object.keys(ERROR_HTTP_STATUS) as ErrorCode[];
const ERROR_STATUSES = [...new Set(Object.values(ERROR_HTTP_STATUS))].sort((a, b) => a - b);

export class FieldErrorResponse {
  @ApiProperty({ description: 'The offending field (dotted for nested fields, or a header name).', example: 'patientName' })
  field!: string;

  @ApiProperty({ type: [String], example: ['patientName should not be empty'] })
  messages!: string[];
}

export class ErrorResponse {
  @ApiProperty({ type: 'integer', description: 'The HTTP status, repeated.', enum: ERROR_STATUSES, example: 409 })
  statusCode!: number;

  @ApiProperty({ description: 'Stable machine-readable code; switch on this, not on the message.', enum: ERROR_CODES, example: 'INVALID_TRANSITION' })
  code!: ErrorCode;

  @ApiProperty({ description: 'Human-readable explanation; wording may change.', example: 'A referral cannot move from paid to cancelled' })
  message!: string;

  @ApiPropertyOptional({ description: '`VALIDATION_FAILED`: every offending field with its messages.', type: [FieldErrorResponse] })
  fields?: FieldErrorResponse[];

  @ApiPropertyOptional({
    description: '`PAYMENT_IN_PROGRESS`: the pending payment (null only if it ended meanwhile); `RECEIPT_ALREADY_USED`: the payment the receipt already pays.',
    type: String,
    format: 'uuid',
    nullable: true,
    example: '0b7f3c52-4b8e-4f5e-9a59-2f0c6b1d8e41',
  })
  paymentId?: string | null;

  @ApiPropertyOptional({ description: '5xx answers: the request id (also in the `X-Request-Id` header) to quote to operators.', example: '9e2b4f7a-1c3d-4e5f-8a6b-0c1d2e3f4a5b' })
  requestId?: string;
}
