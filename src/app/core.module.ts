// What every process shares: configuration, logging, Postgres and the BullMQ connection.
// Built from the config the process loaded once at start-up.
import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config/app-config';
import { AppConfigModule } from '../config/config.module';
import { buildDataSourceOptions } from '../database/data-source-options';
import { loggerParams } from '../observability/logging';
import { LoggerModule } from '../observability/pino-logger.module';
import { QueuesModule } from '../queues/queues.module';
import { redisOptionsFromUrl } from '../queues/redis-connection';

@Module({})
export class CoreModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggerModule.forRootAsync({ useFactory: () => loggerParams(config) }),
        TypeOrmModule.forRootAsync({ useFactory: () => buildDataSourceOptions(config.databaseUrl) }),
        BullModule.forRootAsync({
          useFactory: () => ({ connection: redisOptionsFromUrl(config.redisUrl), prefix: config.redisKeyPrefix }),
          // Workers start only once JobHandlerRegistry has checked every job has its handler.
          extraOptions: { manualRegistration: true },
        }),
        QueuesModule,
      ],
      exports: [QueuesModule],
    };
  }
}
