// The one TypeORM options factory, shared by the Nest app, the migration runner and ormconfig.ts.
import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { ParameterFreeTypeOrmLogger } from './typeorm-logger';

export function buildDataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    // The schema only ever changes through checked-in migrations.
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    extra: { max: 20, connectionTimeoutMillis: 5000 },
    logger: new ParameterFreeTypeOrmLogger(),
    maxQueryExecutionTime: 1000,
  };
}
