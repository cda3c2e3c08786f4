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
  imports: [CoreModule, AuthModule, ThrottlingModule, HealthModule, MetricsModule, IdempotencyModule, ReferralsModule, PaymentsModule],
  providers: [
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: HttpErrorFilter },
  ],
})
export class ApiModule {}
