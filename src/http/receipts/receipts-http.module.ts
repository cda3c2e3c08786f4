// The receipt routes (admin). Imported only by roots that serve the API (api, all): the worker's
// HTTP port never has them, so it cannot answer them.
import { Module } from '@nestjs/common';
import { ReceiptsController } from './receipts.controller';
import { ReceiptsModule } from '../../receipts/receipts.module';

@Module({ imports: [ReceiptsModule], controllers: [ReceiptsController] })
export class ReceiptsHttpModule {}
