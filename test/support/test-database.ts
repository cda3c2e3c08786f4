// A fresh database per test file, cloned from the run's migrated template (fast, and migrations
// were really applied: never synchronize).
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { databaseUrl, RUN_ID_ENV, TEMPLATE_DB_ENV, TEST_PG_BASE_URL } from './test-env';

export async function createTestDatabase(): Promise<string> {
  const runId = process.env[RUN_ID_ENV];
  const template = process.env[TEMPLATE_DB_ENV];
  if (!runId || !template) throw new Error('e2e tests need the jest globalSetup (run them with npm test)');
  const name = `rp_test_${runId}_${randomBytes(4).toString('hex')}`;
  const client = new Client({ connectionString: `${TEST_PG_BASE_URL}/postgres` });
  await client.connect();
  try {
    // CREATE DATABASE ... TEMPLATE needs the template to have no other sessions; retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        break;
      } catch (error) {
        if (attempt > 50 || (error as { code?: string }).code !== '55006') throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await client.end();
  }
  return databaseUrl(name);
}

export function testRedisPrefix(): string {
  return `rpt-${process.env[RUN_ID_ENV]}-${randomBytes(4).toString('hex')}`;
}
