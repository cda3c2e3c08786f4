// The reconciliation routes (admin). Imported only by roots that serve the API (api, all).
import { Module } from '@nestjs/common';
import { ReconciliationController } from './reconciliation.controller';
import { ReconciliationModule } from '../../reconciliation/reconciliation.module';

@Module({ imports: [ReconciliationModule], controllers: [ReconciliationController] })
export class ReconciliationHttpModule {}
