// What every process shares: configuration, logging, Postgres, the BullMQ connection and metrics
// (every process has its own, and every HTTP face, the API's or a worker's, serves /metrics).
import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from '../observability/pino-logger.module';
import type { AppConfig } from '../config/app-config';
import { appConfig, AppConfigModule } from '../config/config.module';
import { buildDataSourceOptions } from '../database/data-source-options';
import { loggerParams } from '../observability/logging';
import { MetricsModule } from '../observability/metrics/metrics.module';
import { QueuesModule } from '../queues/queues.module';
import { redisOptionsFromUrl } from '../queues/redis-connection';

@Module({
  imports: [
    AppConfigModule,
    LoggerModule.forRootAsync({ inject: [appConfig.KEY], useFactory: (config: AppConfig) => loggerParams(config) }),
    TypeOrmModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (config: AppConfig) => buildDataSourceOptions(config.databaseUrl),
    }),
    BullModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (config: AppConfig) => ({
        connection: redisOptionsFromUrl(config.redisUrl),
        prefix: config.redisKeyPrefix,
      }),
      // Workers start only once JobHandlerRegistry has checked every job has its handler.
      extraOptions: { manualRegistration: true },
    }),
    QueuesModule,
    MetricsModule,
  ],
  exports: [QueuesModule],
})
export class CoreModule {}
