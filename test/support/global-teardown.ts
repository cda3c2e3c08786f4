// Drops every database this run created and deletes its Redis keys.
import Redis from 'ioredis';
import { Client } from 'pg';
import { databaseUrl, RUN_ID_ENV, TEST_REDIS_URL } from './test-env';

export default async function globalTeardown(): Promise<void> {
  const runId = process.env[RUN_ID_ENV];
  if (!runId) return;
  const client = new Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`rp_test_${runId}_%`]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `rpt-${runId}-*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
