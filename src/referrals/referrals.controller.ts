import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireRole } from '../auth/auth.decorators';
import { ChangeReferralStatusDto } from './dtos/change-referral-status.dto';
import { CreateReferralDto } from './dtos/create-referral.dto';
import { ListReferralsQuery } from './dtos/list-referrals.query';
import { ReferralsService } from './referrals.service';

export const uuidParam = new ParseUUIDPipe({ version: undefined, errorHttpStatusCode: 400 });

@Controller('api/referrals')
@RequireRole('staff')
export class ReferralsController {
  constructor(private readonly referrals: ReferralsService) {}

  @Post()
  @HttpCode(201)
  create(@Body() dto: CreateReferralDto, @CurrentPrincipal() principal: Principal) {
    return this.referrals.create(dto, principal);
  }

  @Get()
  list(@Query() query: ListReferralsQuery) {
    return this.referrals.list(query);
  }

  @Get(':id')
  get(@Param('id', uuidParam) id: string) {
    return this.referrals.get(id);
  }

  @Patch(':id/status')
  changeStatus(
    @Param('id', uuidParam) id: string,
    @Body() dto: ChangeReferralStatusDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.referrals.changeStatus(id, dto, principal);
  }
}
