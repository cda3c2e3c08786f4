// The referral routes. Imported only by roots that serve the API (api, all), never by the worker.
import { Module } from '@nestjs/common';
import { ReferralsController } from './referrals.controller';
import { ReferralsModule } from '../../referrals/referrals.module';

@Module({ imports: [ReferralsModule], controllers: [ReferralsController] })
export class ReferralsHttpModule {}
