// Referrals, the domain: the entity, its workflow and service. Providers only; the routes are in
// ReferralsHttpModule, so a process serves them only when its root imports that.
import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Referral } from './referral.entity';
import { ReferralStatusChange } from './referral-status-change.entity';
import { ReferralTransitionHooks } from './referral-transition-hooks';
import { ReferralsService } from './referrals.service';

@Module({
  imports: [EventsModule, TypeOrmModule.forFeature([Referral, ReferralStatusChange])],
  providers: [ReferralsService, ReferralTransitionHooks],
  exports: [ReferralsService, ReferralTransitionHooks],
})
export class ReferralsModule {}
