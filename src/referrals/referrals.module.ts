import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Referral } from './referral.entity';
import { ReferralStatusChange } from './referral-status-change.entity';
import { ReferralTransitionHooks } from './referral-transition-hooks';
import { ReferralsController } from './referrals.controller';
import { ReferralsService } from './referrals.service';

@Module({
  imports: [TypeOrmModule.forFeature([Referral, ReferralStatusChange])],
  controllers: [ReferralsController],
  providers: [ReferralsService, ReferralTransitionHooks],
  exports: [ReferralsService, ReferralTransitionHooks],
})
export class ReferralsModule {}
