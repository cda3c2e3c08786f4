import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireRole } from '../auth/auth.decorators';
import { Idempotent } from '../common/idempotency/idempotency.interceptor';
import { PageQueryDto } from '../common/pagination';
import { DomainError } from '../common/domain-error';
import { normalizePhoneNumber } from '../mpesa/phone-number';
import { uuidParam } from '../referrals/referrals.controller';
import { ListPaymentsQuery } from './dtos/list-payments.query';
import { StartReferralPaymentDto } from './dtos/start-payment.dto';
import { StkPushDto } from './dtos/stk-push.dto';
import { PaymentAdminService } from './payment-admin.service';
import { PaymentsService } from './payments.service';
import { PaymentStatsService } from './stats/payment-stats.service';
import { StatsQuery } from './dtos/stats.query';
import { UpdatePaymentStatusDto } from './dtos/update-payment-status.dto';
import { parseTimeRange } from '../common/time-range';

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
  stats(@Query() query: StatsQuery) {
    return this.statistics.stats(parseTimeRange(query.from, query.to));
  }

  @Get('pending')
  @RequireRole('admin')
  pending(@Query() query: PageQueryDto) {
    return this.payments.listPending(query.limit, query.cursor);
  }

  @Get('by-phone/:phoneNumber')
  @RequireRole('admin')
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
  list(@Query() query: ListPaymentsQuery) {
    return this.payments.list(query);
  }

  @Get(':id')
  @RequireRole('staff')
  get(@Param('id', uuidParam) id: string) {
    return this.payments.get(id);
  }

  @Post(':id/retry')
  @RequireRole('staff')
  @HttpCode(202)
  @Idempotent()
  retry(@Param('id', uuidParam) id: string, @CurrentPrincipal() principal: Principal) {
    return this.admin.retry(id, principal);
  }
}

@Controller('api/update-payment-status')
@RequireRole('admin')
export class UpdatePaymentStatusController {
  constructor(private readonly admin: PaymentAdminService) {}

  @Post()
  @HttpCode(200)
  update(@Body() dto: UpdatePaymentStatusDto, @CurrentPrincipal() principal: Principal) {
    return this.admin.updateStatus(dto, principal);
  }
}

@Controller('api/referrals/:id/payments')
@RequireRole('staff')
export class ReferralPaymentsController {
  constructor(
    private readonly payments: PaymentsService,
    private readonly admin: PaymentAdminService,
  ) {}

  @Post()
  @HttpCode(202)
  @Idempotent()
  start(@Param('id', uuidParam) referralId: string, @Body() dto: StartReferralPaymentDto, @CurrentPrincipal() principal: Principal) {
    return this.payments.start({ referralId, phoneNumber: dto.phoneNumber, amount: dto.amount }, principal);
  }

  @Get()
  list(@Param('id', uuidParam) referralId: string) {
    return this.payments.listForReferral(referralId);
  }

  /** Retries the referral's most recent failed payment. */
  @Post('retry')
  @HttpCode(202)
  @Idempotent()
  retry(@Param('id', uuidParam) referralId: string, @CurrentPrincipal() principal: Principal) {
    return this.admin.retryLatestForReferral(referralId, principal);
  }
}

@Controller('api/mpesa')
@RequireRole('staff')
export class StkPushController {
  constructor(private readonly payments: PaymentsService) {}

  /** The prototype's direct push; the same rules as POST /api/referrals/:id/payments. */
  @Post('stk-push')
  @HttpCode(202)
  @Idempotent()
  push(@Body() dto: StkPushDto, @CurrentPrincipal() principal: Principal) {
    return this.payments.start({ referralId: dto.referralId, phoneNumber: dto.phoneNumber, amount: dto.amount }, principal);
  }
}
