// The HTTP API: controllers, the global guards (API keys, rate limits), validation, the error
// filter and metrics.
import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthModule } from '../auth/auth.module';
import { HttpErrorFilter } from '../common/http-error.filter';
import { createValidationPipe } from '../common/validation';
import { ThrottlingModule } from '../common/throttling/throttling.module';
import { HealthModule } from '../observability/health.module';
import { MetricsModule } from '../observability/metrics/metrics.module';
import { IdempotencyModule } from '../common/idempotency/idempotency.module';
import { PaymentsModule } from '../payments/payments.module';
import { ReferralsModule } from '../referrals/referrals.module';
import { CoreModule } from './core.module';

@Module({
  // ThrottlingModule before AuthModule: global guards run in module order, and requests without a
  // known key must meet the per-address limit before the key guard answers them 401.
  imports: [CoreModule, ThrottlingModule, AuthModule, HealthModule, MetricsModule, IdempotencyModule, ReferralsModule, PaymentsModule],
  providers: [
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: HttpErrorFilter },
  ],
})
export class ApiModule {}
