// A fingerprint of everything the service keeps in Postgres: per table, the row count and an md5
// of all its rows. Two equal fingerprints mean no row was added, removed or changed in between.
// The idempotency cache is left out on purpose: remembering a refusal for its Idempotency-Key is
// the contract's replay rule, not a change of the service's state. So is the migrations table, and
// so is the webhook outbox's progress mark on history rows (`webhook_fanned_out_at`): the fan-out
// job sets it on rows written earlier, whatever request is being checked meanwhile.
import type { DataSource } from 'typeorm';

const NOT_STATE = /^(idempotency_keys|migrations|typeorm_metadata)$/;

/** A row as text, less the columns that are bookkeeping rather than state. */
const ROW_STATE = `(to_jsonb(x) - 'webhook_fanned_out_at')::text`;

export interface TableState {
  table: string;
  rows: number;
  md5: string;
}

export async function stateTables(dataSource: DataSource): Promise<string[]> {
  const rows: { tablename: string }[] = await dataSource.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
  return rows.map((r) => r.tablename).filter((name) => !NOT_STATE.test(name));
}

export async function stateFingerprint(dataSource: DataSource, tables?: string[]): Promise<TableState[]> {
  const names = tables ?? (await stateTables(dataSource));
  const sql = names
    .map((name) => `SELECT '${name}' AS "table", count(*)::int AS rows, coalesce(md5(string_agg(${ROW_STATE}, '|' ORDER BY ${ROW_STATE})), '') AS md5 FROM "${name}" x`)
    .join(' UNION ALL ');
  return dataSource.query(sql);
}

/** The tables whose rows differ between two fingerprints, for a readable failure. */
export function changedTables(before: TableState[], after: TableState[]): string[] {
  return after
    .filter((a) => {
      const b = before.find((x) => x.table === a.table);
      return !b || b.rows !== a.rows || b.md5 !== a.md5;
    })
    .map((a) => `${a.table} (${before.find((x) => x.table === a.table)?.rows ?? 0} -> ${a.rows} rows)`);
}
