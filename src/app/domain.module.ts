// The domain every process shares: referrals, payments and the Daraja client. Providers only: a
// root adds the HTTP face (ApiHttpModule), the queue workers (WorkersModule), or both.
import { Module } from '@nestjs/common';
import { MpesaModule } from '../mpesa/mpesa.module';
import { PaymentsModule } from '../payments/payments.module';
import { ReferralsModule } from '../referrals/referrals.module';

@Module({ imports: [ReferralsModule, PaymentsModule, MpesaModule], exports: [ReferralsModule, PaymentsModule, MpesaModule] })
export class DomainModule {}
