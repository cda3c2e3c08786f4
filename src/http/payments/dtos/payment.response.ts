// The Payment, its history and its list page as OpenAPI models. `implements PaymentView` (and
// PaymentEventView) keeps the document in step with what the view mappers return.
import { ApiProperty } from '@nestjs/swagger';
import { PAYMENT_STATUSES, PaymentEventSource, PaymentStatus } from '../../../payments/payment-status';
import type { PaymentEventView, PaymentView } from '../../../payments/payment.view';

const PAYMENT_EVENT_SOURCES: readonly PaymentEventSource[] = ['api', 'worker', 'callback', 'reconciliation', 'admin'];
const NORMALISED_PHONE_NOTE = 'Always 2547XXXXXXXX / 2541XXXXXXXX.';

export class PaymentResponse implements PaymentView {
  @ApiProperty({ format: 'uuid', example: '0b7f3c52-4b8e-4f5e-9a59-2f0c6b1d8e41' })
  id!: string;

  @ApiProperty({ format: 'uuid', example: '5d0c4a9e-2f61-4c3b-8f0e-7d2a9b6e1c34' })
  referralId!: string;

  @ApiProperty({ description: `The paying number. ${NORMALISED_PHONE_NOTE}`, example: '254708374149' })
  phoneNumber!: string;

  @ApiProperty({ type: 'integer', description: 'Whole KES.', example: 1000 })
  amount!: number;

  @ApiProperty({ enum: PAYMENT_STATUSES, enumName: 'PaymentStatus', description: '`completed` and `failed` are final (only an admin changes them).', example: 'completed' })
  status!: PaymentStatus;

  @ApiProperty({ type: String, nullable: true, description: "Daraja's CheckoutRequestID; null until Daraja accepted the push.", example: 'ws_CO_21112025091412345708374149' })
  stkRequestId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: "Daraja's MerchantRequestID.", example: '29115-34620561-1' })
  merchantRequestId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The M-Pesa receipt number.', example: 'SGR7HJ2K4L' })
  mpesaTransactionId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: "Daraja's ResultCode, as a string (`0` is success).", example: '0' })
  resultCode!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'The service request is processed successfully.' })
  resultDesc!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why the payment failed, when M-Pesa gave no result (e.g. an amount mismatch or a refused push).', example: null })
  errorMessage!: string | null;

  @ApiProperty({ type: 'integer', description: 'STK push sends so far.', example: 1 })
  attempts!: number;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The failed payment this one retries.', example: null })
  retryOf!: string | null;

  @ApiProperty({
    maxLength: 12,
    pattern: '^PAY[2-9A-HJKMNP-Z]{1,9}$',
    description:
      'The AccountReference sent to Daraja with every push of this payment and shown on the patient\'s prompt: unique per payment, at most 12 characters (`PAY` and the payment number in base 31, without 0, O, 1, I or L).',
    example: 'PAY34KM4',
  })
  accountReference!: string;

  @ApiProperty({ format: 'date-time', example: '2025-11-21T09:14:05.120Z' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', example: '2025-11-21T09:14:31.884Z' })
  updatedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2025-11-21T09:14:31.884Z' })
  completedAt!: string | null;
}

export class PaymentEventResponse implements PaymentEventView {
  @ApiProperty({ format: 'date-time', example: '2025-11-21T09:14:31.884Z' })
  at!: string;

  @ApiProperty({
    description: 'What happened, e.g. `created`, `push-accepted`, `push-retry`, `push-indeterminate`, `callback-matched`, `status-query`, `status-changed`.',
    example: 'status-changed',
  })
  type!: string;

  @ApiProperty({ enum: PAYMENT_STATUSES, enumName: 'PaymentStatus', nullable: true, example: 'pending' })
  fromStatus!: PaymentStatus | null;

  @ApiProperty({ enum: PAYMENT_STATUSES, enumName: 'PaymentStatus', nullable: true, example: 'completed' })
  toStatus!: PaymentStatus | null;

  @ApiProperty({ enum: PAYMENT_EVENT_SOURCES, enumName: 'PaymentEventSource', description: 'Who or what made the change.', example: 'callback' })
  source!: PaymentEventSource;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Particulars of the event: result codes, the reason and role of a manual change, …',
    example: { resultCode: '0', mpesaTransactionId: 'SGR7HJ2K4L' },
  })
  detail!: Record<string, unknown>;
}

export class PaymentWithEventsResponse extends PaymentResponse {
  @ApiProperty({ type: [PaymentEventResponse], description: 'The recorded history, oldest first.' })
  events!: PaymentEventResponse[];
}

export class PaymentPageResponse {
  @ApiProperty({ type: [PaymentResponse] })
  items!: PaymentResponse[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `?cursor=` for the next page; null on the last page.', example: null })
  nextCursor!: string | null;
}
