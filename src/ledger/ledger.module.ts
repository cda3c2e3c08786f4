// M-Pesa's own ledger against ours (issue 16): for now, keeping the Daraja Results that arrive.
import { Module } from '@nestjs/common';
import { MpesaResultsIngestionService } from './results/mpesa-results-ingestion.service';

@Module({
  providers: [MpesaResultsIngestionService],
  exports: [MpesaResultsIngestionService],
})
export class LedgerModule {}
