// Reconciliation, the domain: statement import and the stored reports. Providers only: the routes
// are in ReconciliationHttpModule.
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ReconciliationReport } from './reconciliation-report.entity';
import { ReconciliationReportsService } from './reconciliation-reports.service';
import { StatementImportService } from './statement-import.service';

@Module({
  imports: [TypeOrmModule.forFeature([ReconciliationReport])],
  providers: [ReconciliationReportsService, StatementImportService],
  exports: [ReconciliationReportsService, StatementImportService],
})
export class ReconciliationModule {}
