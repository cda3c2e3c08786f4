import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, RequireRole } from '../../auth/auth.decorators';
import { ApiEndpoint } from '../../common/openapi/api-endpoint.decorator';
import { ApiUuidParam } from '../../common/openapi/api-params.decorator';
import { ChangeReferralStatusDto } from '../../referrals/dtos/change-referral-status.dto';
import { CreateReferralDto } from '../../referrals/dtos/create-referral.dto';
import { ListReferralsQuery } from '../../referrals/dtos/list-referrals.query';
import { ReferralPageResponse, ReferralResponse } from './dtos/referral.response';
import { ReferralsService } from '../../referrals/referrals.service';

export const uuidParam = new ParseUUIDPipe({ version: undefined, errorHttpStatusCode: 400 });

@ApiTags('Referrals')
@Controller('api/referrals')
@RequireRole('staff')
export class ReferralsController {
  constructor(private readonly referrals: ReferralsService) {}

  @Post()
  @HttpCode(201)
  @ApiEndpoint({
    summary: 'Create a referral',
    description: 'The referral starts in `pending-admin`; `amount` defaults to the configured referral fee.',
    access: 'staff',
    jsonBody: true,
    success: { status: 201, description: 'The new referral.', type: ReferralResponse },
  })
  create(@Body() dto: CreateReferralDto, @CurrentPrincipal() principal: Principal) {
    return this.referrals.create(dto, principal);
  }

  @Get()
  @ApiEndpoint({
    summary: 'List referrals',
    description: 'Newest first, a page at a time (`limit`, `cursor`), optionally only one `status`.',
    access: 'staff',
    success: { status: 200, description: 'A page of referrals.', type: ReferralPageResponse },
    errors: ['VALIDATION_FAILED'],
  })
  list(@Query() query: ListReferralsQuery) {
    return this.referrals.list(query);
  }

  @Get(':id')
  @ApiUuidParam('id', 'The referral.')
  @ApiEndpoint({
    summary: 'Get a referral',
    access: 'staff',
    success: { status: 200, description: 'The referral.', type: ReferralResponse },
    errors: ['VALIDATION_FAILED', 'NOT_FOUND'],
  })
  get(@Param('id', uuidParam) id: string) {
    return this.referrals.get(id);
  }

  @Patch(':id/status')
  @ApiUuidParam('id', 'The referral.')
  @ApiEndpoint({
    summary: "Change a referral's status",
    description: [
      'Moves the referral along its workflow; anything else answers 409 `INVALID_TRANSITION`.',
      '',
      '| from | to |',
      '|---|---|',
      '| `pending-admin` | `awaiting-biodata` (admin only), `rejected` (admin only), `cancelled` |',
      '| `awaiting-biodata` | `pending-payment`, `cancelled` |',
      '| `pending-payment` | `cancelled` (refused with `PAYMENT_IN_PROGRESS` while a payment is pending) |',
      '| `paid` | `confirmed` |',
      '',
      '`paid` is never set by hand. Entering `pending-payment` needs an `stkPhoneNumber` (in the body or already on ' +
        'the referral) and, with `AUTO_STK_ON_PENDING_PAYMENT`, starts a payment at once. A staff key asking for an ' +
        'admin-only move answers 403 `FORBIDDEN`.',
    ].join('\n'),
    access: 'staff',
    jsonBody: true,
    success: { status: 200, description: 'The referral in its new status.', type: ReferralResponse },
    errors: ['FORBIDDEN', 'NOT_FOUND', 'INVALID_TRANSITION', 'PAYMENT_IN_PROGRESS'],
  })
  changeStatus(
    @Param('id', uuidParam) id: string,
    @Body() dto: ChangeReferralStatusDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.referrals.changeStatus(id, dto, principal);
  }
}
