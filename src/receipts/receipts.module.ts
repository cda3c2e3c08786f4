// Receipts, the domain: every receipt seen, its review and its resolution. Providers only: the
// routes are in ReceiptsHttpModule. Recording a receipt is pure functions (receipt-recording.ts,
// receipt-rules.ts) that the callbacks in src/payments call inside their own batch's transaction,
// so payments needs no provider from here; ReceiptsService resolves receipts through the payments'
// settlement and callback store, so this module imports PaymentsModule, never the other way round.
import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { PaymentsModule } from '../payments/payments.module';
import { ReferralsModule } from '../referrals/referrals.module';
import { ReceiptsService } from './receipts.service';

@Module({
  imports: [EventsModule, ReferralsModule, PaymentsModule],
  providers: [ReceiptsService],
  exports: [ReceiptsService],
})
export class ReceiptsModule {}
