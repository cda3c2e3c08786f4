// TypeORM's own loggers print query parameters, which hold phone numbers and receipts; this one
// never does. Failed and slow queries go to the Nest logger (pino in the app) without their values.
import { Logger as NestLogger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

const SLOW_QUERY_MS = 1000;

export class ParameterFreeTypeOrmLogger implements TypeOrmLogger {
  private readonly logger = new NestLogger('TypeORM');

  logQuery(): void {
    // Every query would flood the logs; failures and slow ones are what matter.
  }

  logQueryError(error: string | Error, query: string): void {
    this.logger.warn({ query: query.slice(0, 500), error: typeof error === 'string' ? error : error.message }, 'Query failed');
  }

  logQuerySlow(time: number, query: string): void {
    if (time >= SLOW_QUERY_MS) this.logger.warn({ query: query.slice(0, 500), ms: time }, 'Slow query');
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
  }
}
