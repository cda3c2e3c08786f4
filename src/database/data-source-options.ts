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
    // Custom plans for the named (prepared) statements of the hot paths: a generic plan cached while
    // a table was small (a fresh database, stale statistics) can pick an index on status over the
    // primary key and then scan every pending payment on each call (seen: 7 ms per push accepted at
    // 10,000 payments). Planning a one-row statement each time costs far less. TypeORM's own queries
    // are unnamed, so always planned with their values: this changes nothing for them.
    extra: { max: 20, connectionTimeoutMillis: 5000, options: '-c plan_cache_mode=force_custom_plan' },
    logger: new ParameterFreeTypeOrmLogger(),
    maxQueryExecutionTime: 1000,
  };
}
