// Creates one migrated template database per test run; each test file clones its own from it.
import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ensureDatabaseExists, runMigrations } from '../../src/database/database-setup';
import { databaseUrl, RUN_ID_ENV, TEMPLATE_DB_ENV } from './test-env';

export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const template = `rp_test_${runId}_template`;
  // The template's migrations are the harness's business: their lines would only be noise above the results.
  Logger.overrideLogger(false);
  await ensureDatabaseExists(databaseUrl(template));
  await runMigrations(databaseUrl(template));
  process.env[RUN_ID_ENV] = runId;
  process.env[TEMPLATE_DB_ENV] = template;
}
