import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, RequireRole } from '../../auth/auth.decorators';
import { Idempotent } from '../../common/idempotency/idempotency.interceptor';
import { PageQueryDto } from '../../common/pagination';
import { DomainError } from '../../common/domain-error';
import { ApiEndpoint } from '../../common/openapi/api-endpoint.decorator';
import { ApiUuidParam } from '../../common/openapi/api-params.decorator';
import { normalizePhoneNumber } from '../../mpesa/phone-number';
import { uuidParam } from '../referrals/referrals.controller';
import { ListPaymentsQuery } from '../../payments/dtos/list-payments.query';
import { PaymentPageResponse, PaymentResponse, PaymentWithEventsResponse } from './dtos/payment.response';
import { PaymentStatsResponse } from './dtos/payment-stats.response';
import { StartReferralPaymentDto } from './dtos/start-payment.dto';
import { StkPushDto } from './dtos/stk-push.dto';
import { PaymentAdminService } from '../../payments/payment-admin.service';
import { PaymentsService } from '../../payments/payments.service';
import { PaymentStatsService } from '../../payments/stats/payment-stats.service';
import { StatsQuery } from '../../payments/dtos/stats.query';
import { StatsSeriesQuery } from './dtos/stats-series.query';
import { PaymentSeriesPointResponse } from './dtos/payment-series-point.response';
import { UpdatePaymentStatusDto } from '../../payments/dtos/update-payment-status.dto';
import { parseTimeRange } from '../../common/time-range';

const START_RULES =
  'A referral has at most one pending payment: if it has one, 409 `PAYMENT_IN_PROGRESS` names it in `paymentId`. ' +
  'The referral must be `pending-payment` (409 `INVALID_TRANSITION` otherwise). While a receipt of the same phone number and amount is ' +
  '`unmatched` or `review`, 409 `RECEIPT_UNDER_REVIEW` names it in `receipt` (the patient may already have paid). The answer is the `pending` payment; ' +
  'the STK push is sent by the worker and the result arrives by callback (watch `GET /api/payments/{id}`).';

const RETRY_RULES =
  'The new payment has `retryOf` set to the failed one. 409 `PAYMENT_NOT_RETRYABLE` unless the payment failed, ' +
  '`PAYMENT_IN_PROGRESS` if the referral has a pending payment, `INVALID_TRANSITION` unless the referral is `pending-payment`, ' +
  '`RECEIPT_UNDER_REVIEW` while a receipt of its phone number and amount is `unmatched` or `review`.';

@ApiTags('Payments')
@Controller('api/payments')
export class PaymentsController {
  constructor(
    private readonly payments: PaymentsService,
    private readonly admin: PaymentAdminService,
    private readonly statistics: PaymentStatsService,
  ) {}

  // Fixed paths first: they would otherwise be read as an :id.
  @Get('stats')
  @RequireRole('admin')
  @ApiEndpoint({
    summary: 'Payment statistics',
    description:
      'Counts and KES sums by status over payments created in `[from, to)`; without a range, over all payments. ' +
      '`totalAmount` is KES collected (completed payments); `successRate` = completed / (completed + failed), 0 when both are 0. ' +
      '`reviewAmount` (KES on `unmatched` and `review` receipts), `refundDueAmount` and `refundedAmount` sum the receipts the service first heard of in the same range.',
    access: 'admin',
    success: { status: 200, description: 'The figures.', type: PaymentStatsResponse },
    errors: ['VALIDATION_FAILED'],
  })
  stats(@Query() query: StatsQuery) {
    return this.statistics.stats(parseTimeRange(query.from, query.to));
  }

  @Get('stats/series')
  @RequireRole('admin')
  @ApiEndpoint({
    summary: 'Payment statistics over time',
    description:
      'One point per UTC hour or day (`interval`, default `day`), oldest first, intervals without payments included as zeros, ' +
      'each counting the payments created in it by their current status, from the same aggregates as `GET /api/payments/stats`. ' +
      '`at` is the interval\'s start. Without `to` the series ends with the current interval; without `from` it covers the last 30 days ' +
      '(or 48 hours). A bound inside an interval clips that point to `[from, to)`, so the points add up to the stats for the same range. ' +
      'At most 744 points: a wider range answers 400 `VALIDATION_FAILED` naming `from` and `to`.',
    access: 'admin',
    success: { status: 200, description: 'The points.', type: PaymentSeriesPointResponse, isArray: true },
    errors: ['VALIDATION_FAILED'],
  })
  series(@Query() query: StatsSeriesQuery) {
    return this.statistics.series(parseTimeRange(query.from, query.to), query.interval ?? 'day');
  }

  @Get('pending')
  @RequireRole('admin')
  @ApiEndpoint({
    summary: 'List pending payments',
    description: 'Payments still waiting for their result, oldest first.',
    access: 'admin',
    success: { status: 200, description: 'A page of pending payments.', type: PaymentPageResponse },
    errors: ['VALIDATION_FAILED'],
  })
  pending(@Query() query: PageQueryDto) {
    return this.payments.listPending(query.limit, query.cursor);
  }

  @Get('by-phone/:phoneNumber')
  @RequireRole('admin')
  @ApiParam({ name: 'phoneNumber', description: 'A Kenyan mobile number in any common form.', example: '254708374149' })
  @ApiEndpoint({
    summary: 'List payments from a phone number',
    description: 'Newest first.',
    access: 'admin',
    success: { status: 200, description: 'A page of payments.', type: PaymentPageResponse },
    errors: ['VALIDATION_FAILED'],
  })
  byPhone(@Param('phoneNumber') phoneNumber: string, @Query() query: PageQueryDto) {
    const normalised = normalizePhoneNumber(phoneNumber);
    if (!normalised) {
      throw new DomainError('VALIDATION_FAILED', 'phoneNumber must be a Kenyan mobile number', {
        fields: [{ field: 'phoneNumber', messages: ['must be a Kenyan mobile number'] }],
      });
    }
    return this.payments.list({ ...query, phoneNumber: normalised });
  }

  @Get()
  @RequireRole('admin')
  @ApiEndpoint({
    summary: 'List payments',
    description: 'Newest first, optionally filtered by referral, phone number, status and creation time (`from` inclusive, `to` exclusive).',
    access: 'admin',
    success: { status: 200, description: 'A page of payments.', type: PaymentPageResponse },
    errors: ['VALIDATION_FAILED'],
  })
  list(@Query() query: ListPaymentsQuery) {
    return this.payments.list(query);
  }

  @Get(':id')
  @RequireRole('staff')
  @ApiUuidParam('id', 'The payment.')
  @ApiEndpoint({
    summary: 'Get a payment with its history',
    description: 'The payment and `events`, every recorded change, oldest first, with who or what made it.',
    access: 'staff',
    success: { status: 200, description: 'The payment and its events.', type: PaymentWithEventsResponse },
    errors: ['VALIDATION_FAILED', 'NOT_FOUND'],
  })
  get(@Param('id', uuidParam) id: string) {
    return this.payments.get(id);
  }

  @Post(':id/retry')
  @RequireRole('staff')
  @HttpCode(202)
  @Idempotent()
  @ApiUuidParam('id', 'The failed payment.')
  @ApiEndpoint({
    summary: 'Retry a failed payment',
    description: RETRY_RULES,
    access: 'staff',
    idempotent: true,
    success: { status: 202, description: 'The new pending payment.', type: PaymentResponse },
    errors: ['VALIDATION_FAILED', 'NOT_FOUND', 'PAYMENT_NOT_RETRYABLE', 'PAYMENT_IN_PROGRESS', 'INVALID_TRANSITION', 'RECEIPT_UNDER_REVIEW'],
  })
  retry(@Param('id', uuidParam) id: string, @CurrentPrincipal() principal: Principal) {
    return this.admin.retry(id, principal);
  }
}

@ApiTags('Payments')
@Controller('api/update-payment-status')
@RequireRole('admin')
export class UpdatePaymentStatusController {
  constructor(private readonly admin: PaymentAdminService) {}

  @Post()
  @HttpCode(200)
  @ApiEndpoint({
    summary: "Set a payment's status by hand",
    description:
      'An admin settles a payment (`completed` or `failed`), named by `paymentId` or `stkRequestId`, with a required ' +
      "`reason` recorded on the payment's history with the key's role. Completing marks the referral `paid`; taking back " +
      'its only completed payment returns it to `pending-payment`. Setting the status a payment already has changes nothing. ' +
      'Refused: completing while another payment of the referral is pending (409 `PAYMENT_IN_PROGRESS`), a receipt that ' +
      "already pays another payment (409 `RECEIPT_ALREADY_USED`, also when the receipts list has it applied to another payment; one `unmatched`, `review` or `refund-due` there becomes `applied`), an `amount` other than the payment's (400), a referral " +
      'whose status does not allow it (409 `INVALID_TRANSITION`).',
    access: 'admin',
    jsonBody: true,
    success: { status: 200, description: 'The payment as it now is.', type: PaymentResponse },
    errors: ['NOT_FOUND', 'INVALID_TRANSITION', 'PAYMENT_IN_PROGRESS', 'RECEIPT_ALREADY_USED', 'RECEIPT_NOT_RESOLVABLE'],
  })
  update(@Body() dto: UpdatePaymentStatusDto, @CurrentPrincipal() principal: Principal) {
    return this.admin.updateStatus(dto, principal);
  }
}

@ApiTags('Payments')
@Controller('api/referrals/:id/payments')
@RequireRole('staff')
@ApiUuidParam('id', 'The referral.')
export class ReferralPaymentsController {
  constructor(
    private readonly payments: PaymentsService,
    private readonly admin: PaymentAdminService,
  ) {}

  @Post()
  @HttpCode(202)
  @Idempotent()
  @ApiEndpoint({
    summary: "Start a referral's payment",
    description: `Sends an M-Pesa STK push for the referral; \`phoneNumber\` and \`amount\` default to the referral's \`stkPhoneNumber\` and \`amount\`. ${START_RULES}`,
    access: 'staff',
    jsonBody: true,
    idempotent: true,
    success: { status: 202, description: 'The new pending payment.', type: PaymentResponse },
    errors: ['NOT_FOUND', 'INVALID_TRANSITION', 'PAYMENT_IN_PROGRESS', 'RECEIPT_UNDER_REVIEW'],
  })
  start(@Param('id', uuidParam) referralId: string, @Body() dto: StartReferralPaymentDto, @CurrentPrincipal() principal: Principal) {
    return this.payments.start({ referralId, phoneNumber: dto.phoneNumber, amount: dto.amount }, principal);
  }

  @Get()
  @ApiEndpoint({
    summary: "List a referral's payments",
    description: 'Every payment of the referral, newest first, as a plain array (not a page).',
    access: 'staff',
    success: { status: 200, description: 'The payments.', type: PaymentResponse, isArray: true },
    errors: ['VALIDATION_FAILED', 'NOT_FOUND'],
  })
  list(@Param('id', uuidParam) referralId: string) {
    return this.payments.listForReferral(referralId);
  }

  /** Retries the referral's most recent failed payment. */
  @Post('retry')
  @HttpCode(202)
  @Idempotent()
  @ApiEndpoint({
    summary: "Retry a referral's latest failed payment",
    description: `Retries the referral's most recent failed payment (409 \`PAYMENT_NOT_RETRYABLE\` if it has none). ${RETRY_RULES}`,
    access: 'staff',
    idempotent: true,
    success: { status: 202, description: 'The new pending payment.', type: PaymentResponse },
    errors: ['VALIDATION_FAILED', 'NOT_FOUND', 'PAYMENT_NOT_RETRYABLE', 'PAYMENT_IN_PROGRESS', 'INVALID_TRANSITION', 'RECEIPT_UNDER_REVIEW'],
  })
  retry(@Param('id', uuidParam) referralId: string, @CurrentPrincipal() principal: Principal) {
    return this.admin.retryLatestForReferral(referralId, principal);
  }
}

@ApiTags('Payments')
@Controller('api/mpesa')
@RequireRole('staff')
export class StkPushController {
  constructor(private readonly payments: PaymentsService) {}

  /** The prototype's direct push; the same rules as POST /api/referrals/:id/payments. */
  @Post('stk-push')
  @HttpCode(202)
  @Idempotent()
  @ApiEndpoint({
    summary: 'Send an STK push for a referral',
    description: `The prototype's direct push, with the same rules as \`POST /api/referrals/{id}/payments\`. ${START_RULES}`,
    access: 'staff',
    jsonBody: true,
    idempotent: true,
    success: { status: 202, description: 'The new pending payment.', type: PaymentResponse },
    errors: ['NOT_FOUND', 'INVALID_TRANSITION', 'PAYMENT_IN_PROGRESS', 'RECEIPT_UNDER_REVIEW'],
  })
  push(@Body() dto: StkPushDto, @CurrentPrincipal() principal: Principal) {
    return this.payments.start({ referralId: dto.referralId, phoneNumber: dto.phoneNumber, amount: dto.amount }, principal);
  }
}
