// What a process checks before it starts any work, so a start-up that cannot succeed says why in
// one line naming the variable to fix, instead of failing later or hanging.
import { createServer } from 'node:net';
import { Client } from 'pg';
import { printableUrl } from '../common/printable-url';

export class StartUpError extends Error {}


/**
 * Binds the port for a moment and lets it go: a port another process holds is reported before
 * migrations run, schedulers are registered or anything is logged as started. (Between this check
 * and Nest's listen another process could take it; then listen fails with the same message.)
 */
export async function checkPortFree(port: number, variable: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(new StartUpError(error.code === 'EADDRINUSE' ? `Port ${port} (${variable}) is already in use: stop the other process or set ${variable} to a free port` : `Cannot listen on port ${port} (${variable}): ${error.message}`)),
    );
    probe.listen(port, () => probe.close(() => resolve()));
  });
}

/** Postgres must answer at start-up: unlike Redis, nothing works without it. */
export async function checkPostgresReachable(databaseUrl: string, timeoutMs = 5000): Promise<void> {
  const server = new URL(databaseUrl);
  server.pathname = '/postgres';
  const client = new Client({ connectionString: server.toString(), connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
  } catch (error) {
    throw new StartUpError(`Cannot reach Postgres at DATABASE_URL=${printableUrl(databaseUrl)}: ${(error as Error).message || (error as { code?: string }).code || 'no answer'}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
