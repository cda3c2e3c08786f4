// The API's HTTP face: the contract's routes and everything that guards them (API keys, rate
// limits, validation, the error filter, the callback gates inside PaymentsHttpModule and LedgerHttpModule), plus the
// Daraja simulator in simulator mode. Whichever root imports it (api or all) serves the same rules.
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthModule } from '../auth/auth.module';
import { HttpErrorFilter } from '../common/http-error.filter';
import { LedgerHttpModule } from '../http/ledger/ledger-http.module';
import { MetricsHttpModule } from '../observability/metrics/metrics-http.module';
import { ThrottlingModule } from '../common/throttling/throttling.module';
import { createValidationPipe } from '../common/validation';
import type { AppConfig } from '../config/app-config';
import { SimulatorModule } from '../mpesa/simulator/simulator.module';
import { PaymentsHttpModule } from '../http/payments/payments-http.module';
import { ReceiptsHttpModule } from '../http/receipts/receipts-http.module';
import { ReconciliationHttpModule } from '../http/reconciliation/reconciliation-http.module';
import { ReferralsHttpModule } from '../http/referrals/referrals-http.module';
import { WebhooksHttpModule } from '../http/webhooks/webhooks-http.module';

@Module({})
export class ApiHttpModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: ApiHttpModule,
      // ThrottlingModule before AuthModule: global guards run in module order, and requests without a
      // known key must meet the per-address limit before the key guard answers them 401.
      imports: [
        ThrottlingModule,
        AuthModule,
        MetricsHttpModule,
        ReferralsHttpModule,
        PaymentsHttpModule,
        ReceiptsHttpModule,
        LedgerHttpModule,
        WebhooksHttpModule,
        ReconciliationHttpModule,
        // Not even registered outside simulator mode: no /simulator route exists there.
        ...(config.mpesa.env === 'simulator' ? [SimulatorModule] : []),
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
    };
  }
}
