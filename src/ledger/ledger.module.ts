// M-Pesa's own ledger against ours (issue 16): the Daraja Results that arrive, the Transaction
// Status and Reversal requests they answer (verification, refunds), and the Pull sweep. Providers only.
import { Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { EventsModule } from '../events/events.module';
import { MpesaModule } from '../mpesa/mpesa.module';
import { PaymentsModule } from '../payments/payments.module';
import { QueuesModule } from '../queues/queues.module';
import { ReceiptsModule } from '../receipts/receipts.module';
import { LEDGER_PULL_ALERTS, LedgerPullService } from './pull/ledger-pull.service';
import { LedgerRequestsService } from './requests/ledger-requests.service';
import { MpesaResultsIngestionService } from './results/mpesa-results-ingestion.service';

@Module({
  imports: [EventsModule, MpesaModule, QueuesModule, PaymentsModule, ReceiptsModule],
  providers: [
    MpesaResultsIngestionService,
    LedgerRequestsService,
    LedgerPullService,
    makeCounterProvider({ name: LEDGER_PULL_ALERTS, help: 'Ledger sweep alerts: not-subscribed (401.001, the sweep stopped), empty-while-paid (a day of 1001 while payments complete)', labelNames: ['reason'] }),
  ],
  exports: [MpesaResultsIngestionService, LedgerRequestsService, LedgerPullService],
})
export class LedgerModule {}
