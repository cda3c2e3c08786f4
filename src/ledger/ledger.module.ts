// M-Pesa's own ledger against ours (issue 16): the Daraja Results that arrive, and the Transaction
// Status and Reversal requests they answer (verification, refunds). Providers only.
import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { MpesaModule } from '../mpesa/mpesa.module';
import { QueuesModule } from '../queues/queues.module';
import { LedgerRequestsService } from './requests/ledger-requests.service';
import { MpesaResultsIngestionService } from './results/mpesa-results-ingestion.service';

@Module({
  imports: [EventsModule, MpesaModule, QueuesModule],
  providers: [MpesaResultsIngestionService, LedgerRequestsService],
  exports: [MpesaResultsIngestionService, LedgerRequestsService],
})
export class LedgerModule {}
