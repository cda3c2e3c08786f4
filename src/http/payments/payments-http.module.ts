// The payment routes and the callback's gate. Imported only by roots that serve the API (api, all):
// the worker's HTTP port never has them, so it cannot answer them.
import { Module, NestModule } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { AppConfig } from '../../config/app-config';
import { InjectAppConfig } from '../../config/config.module';
import { IdempotencyModule } from '../../common/idempotency/idempotency.module';
import { refuseUnusableJson } from '../../common/json-body-guard';
import { MetricsModule } from '../../observability/metrics/metrics.module';
import { callbackJsonParser } from './callbacks/callback-body.middleware';
import { CALLBACK_PATH_PREFIX, createCallbackGate } from './callbacks/callback-gate.middleware';
import { StkCallbackController } from './callbacks/stk-callback.controller';
import { PaymentEventsController } from './events/payment-events.controller';
import { PaymentsController, ReferralPaymentsController, StkPushController, UpdatePaymentStatusController } from './payments.controller';
import { PaymentsModule } from '../../payments/payments.module';

@Module({
  imports: [MetricsModule, PaymentsModule, IdempotencyModule],
  // PaymentEventsController first: its fixed path must win over PaymentsController's GET :id.
  controllers: [PaymentEventsController, PaymentsController, ReferralPaymentsController, StkPushController, UpdatePaymentStatusController, StkCallbackController],
})
export class PaymentsHttpModule implements NestModule {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  /**
   * Nest calls this while it sets up this module's middleware, before any route exists. The gate is
   * mounted on the plain prefix, every method and sub-path, rather than through MiddlewareConsumer:
   * a consumer path needs a wildcard parameter, which the router decodes first, so a malformed escape
   * in the token (`%E0%A4%A`) would be a 400 from the router instead of the gate's 404.
   */
  configure(): void {
    this.adapterHost.httpAdapter.use(CALLBACK_PATH_PREFIX, createCallbackGate(this.config.mpesa), callbackJsonParser, refuseUnusableJson);
  }
}
