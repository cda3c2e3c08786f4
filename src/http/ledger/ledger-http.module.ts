// The Daraja results route and its gate. Imported only by roots that serve the API (api, all), like
// PaymentsHttpModule: the worker's HTTP port never has the route, so it cannot answer it.
import { Module, NestModule } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { refuseUnusableJson } from '../../common/json-body-guard';
import { callbackJsonParser } from '../payments/callbacks/callback-body.middleware';
import { createCallbackGate } from '../payments/callbacks/callback-gate.middleware';
import { LedgerModule } from '../../ledger/ledger.module';
import { ReceiptLedgerController } from './receipt-ledger.controller';
import { MpesaResultsController, RESULTS_PATH_PREFIX } from './results/mpesa-results.controller';

@Module({
  imports: [LedgerModule],
  controllers: [MpesaResultsController, ReceiptLedgerController],
})
export class LedgerHttpModule implements NestModule {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  /**
   * The callback's gate, on the plain prefix (see PaymentsHttpModule for why not MiddlewareConsumer):
   * the same token, the same allowlist, checked before the body is read; the route has `:kind` after
   * the token. Then the callback's byte-keeping parser.
   */
  configure(): void {
    this.adapterHost.httpAdapter.use(
      RESULTS_PATH_PREFIX,
      createCallbackGate(this.config.mpesa, { prefix: RESULTS_PATH_PREFIX, segmentsAfterToken: 1 }),
      callbackJsonParser,
      refuseUnusableJson,
    );
  }
}
