import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ensureDatabaseExists, runMigrations, waitForSchema } from '../src/database/database-setup';
import { MIGRATIONS } from '../src/database/migrations';
import { databaseUrl, RUN_ID_ENV } from './support/test-env';

describe('start-up database steps', () => {
  const name = `rp_test_${process.env[RUN_ID_ENV]}_${randomBytes(4).toString('hex')}`;
  const url = databaseUrl(name);

  async function query<T>(sql: string, params: unknown[] = [], target = url): Promise<T[]> {
    const client = new Client({ connectionString: target });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  it('creates a missing database, and a second call is harmless', async () => {
    await ensureDatabaseExists(url);
    await ensureDatabaseExists(url);
    const rows = await query('SELECT 1 FROM pg_database WHERE datname = $1', [name], databaseUrl('postgres'));
    expect(rows).toHaveLength(1);
  });

  it('lets a worker wait until an API process has migrated', async () => {
    const waiting = waitForSchema(url, 30_000, 100);
    let settled = false;
    void waiting.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    // Two API processes starting together: the advisory lock makes them take turns.
    const [first, second] = await Promise.all([runMigrations(url), runMigrations(url)]);
    expect([...first, ...second].sort()).toEqual(MIGRATIONS.map((m) => new m().name).sort());
    await waiting;
    const applied = await query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY id');
    expect(applied.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => new m().name));
    const tables = await query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'referrals'",
    );
    expect(tables).toHaveLength(1);
  });

  it('gives up waiting with a clear error when nobody migrates', async () => {
    const other = databaseUrl(`${name}_never`);
    await expect(waitForSchema(other, 300, 100)).rejects.toThrow(/schema/);
  });
});
