// Per-run isolation: the e2e suite never touches the service's own database or Redis keys, so it
// can run on a machine where the service itself is running.
export const TEST_PG_BASE_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEMPLATE_DB_ENV = 'RP_TEST_TEMPLATE_DB';
export const RUN_ID_ENV = 'RP_TEST_RUN_ID';

export function databaseUrl(name: string): string {
  return `${TEST_PG_BASE_URL}/${name}`;
}
