// The ledger jobs' handlers (roles worker and all).
import { Module } from '@nestjs/common';
import { LedgerModule } from '../../ledger/ledger.module';
import { LedgerJobHandlers } from './ledger-job.handlers';

@Module({ imports: [LedgerModule], providers: [LedgerJobHandlers] })
export class LedgerWorkerModule {}
