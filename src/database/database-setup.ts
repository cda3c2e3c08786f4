// Start-up steps around the schema: create the database if missing, migrate (API and `all` roles),
// or wait until someone else has migrated (worker role).
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source-options';

const logger = new Logger('DatabaseSetup');

// Any constant works; it only has to be the same for every process of this service.
const MIGRATION_LOCK_KEY = 7_421_903_118;

function databaseName(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL must name a database');
  return name;
}

export async function ensureDatabaseExists(databaseUrl: string): Promise<void> {
  const name = databaseName(databaseUrl);
  const adminUrl = new URL(databaseUrl);
  adminUrl.pathname = '/postgres';
  const client = new Client({ connectionString: adminUrl.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      const quoted = `"${name.replace(/"/g, '""')}"`;
      try {
        await client.query(`CREATE DATABASE ${quoted}`);
        logger.log(`Created database ${name}`);
      } catch (error) {
        // Another process created it between our check and our CREATE.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await client.end();
  }
}

/** Applies pending migrations under an advisory lock, so API processes starting together take turns. */
export async function runMigrations(databaseUrl: string): Promise<string[]> {
  const dataSource = new DataSource(buildDataSourceOptions(databaseUrl));
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      for (const migration of applied) logger.log(`Applied migration ${migration.name}`);
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
    await dataSource.destroy();
  }
}

/** Workers never migrate: they wait until the database exists and has every migration applied. */
export async function waitForSchema(databaseUrl: string, timeoutMs = 120_000, pollMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    let dataSource: DataSource | undefined;
    try {
      dataSource = new DataSource(buildDataSourceOptions(databaseUrl));
      await dataSource.initialize();
      if (!(await dataSource.showMigrations())) return;
    } catch {
      // Database missing or unreachable: keep waiting until the deadline.
    } finally {
      if (dataSource?.isInitialized) await dataSource.destroy();
    }
    if (Date.now() > deadline) throw new Error('Timed out waiting for the database schema; start an API process to migrate it');
    if (!announced) {
      logger.log('Waiting for an API process to apply the database migrations');
      announced = true;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
