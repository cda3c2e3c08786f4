// Where the push path's Postgres time goes: the three statements every push runs (START_PAYMENT in
// the API, CLAIM and ACCEPT_STORE in the worker), each n times on one connection, phase by phase,
// with the CPU of that connection's backend per statement (from /proc), then again with the
// payment-stats trigger off and with synchronous_commit off, to price those two parts.
// Usage: node -r ./test/support/ts-register.js bench/push-sql.ts [--n 3000]
import os from 'node:os';
import { Client } from 'pg';
import { ACCEPT_STORE, CLAIM } from '../src/payments/state/payment-transitions';
import { START_PAYMENT } from '../src/payments/state/payment-creation';
import { UNDER_REVIEW_STATES } from '../src/receipts/receipt-state';
import { BenchScope, main, printTable, processCpuMs, round } from './lib/harness';
import { seedReferrals } from './lib/seed';

async function backendPid(pg: Client): Promise<number> {
  return (await pg.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
}

main(async (options) => {
  const n = options.n ?? (options.smoke ? 100 : 3000);
  const scope = new BenchScope('push-sql', options);
  const rows: [string, string | number, string?][] = [];
  try {
    const url = await scope.database('pushsql');
    const pg = await scope.pg(url);
    const variants = [
      { name: 'as deployed', setup: [] as string[] },
      { name: 'payment-stats trigger off', setup: ['ALTER TABLE payments DISABLE TRIGGER payments_stats_insert_delete'] },
      { name: 'synchronous_commit off', setup: ['ALTER TABLE payments ENABLE TRIGGER payments_stats_insert_delete', 'SET synchronous_commit = off'] },
    ];
    for (const [v, variant] of variants.entries()) {
      for (const sql of variant.setup) await pg.query(sql);
      const ids = await seedReferrals(pg, `sql-${v}`, n, '254700000201');
      await pg.query('ANALYZE');
      const pid = await backendPid(pg);
      const perStatement: Record<string, number> = {};
      const paymentIds: string[] = [];
      const phase = async (name: string, run: (i: number) => Promise<void>) => {
        const before = processCpuMs(pid);
        const started = performance.now();
        for (let i = 0; i < n; i++) await run(i);
        perStatement[name] = round((processCpuMs(pid) - before) / n, 3);
        perStatement[`${name} wall`] = round((performance.now() - started) / n, 3);
      };
      await phase('start', async (i) => {
        const { rows: inserted } = await pg.query<{ id: string }>({ name: START_PAYMENT.name, text: START_PAYMENT.text, values: [ids[i], null, null, UNDER_REVIEW_STATES, 'api', 'staff'] });
        paymentIds.push(inserted[0].id);
      });
      await phase('claim', async (i) => {
        await pg.query({ name: CLAIM.name, text: CLAIM.text, values: [paymentIds[i]] });
      });
      const firstQueryAt = new Date(Date.now() + 3600_000);
      await phase('accept', async (i) => {
        const detail = JSON.stringify({ attempt: 1, checkoutRequestId: `ws_CO_sql_${v}_${i}`, merchantRequestId: `m-${i}`, pushStateBefore: 'sending' });
        await pg.query({
          name: ACCEPT_STORE.name,
          text: ACCEPT_STORE.text,
          values: [paymentIds[i], `ws_CO_sql_${v}_${i}`, `m-${i}`, true, firstQueryAt, 'pending', 'sending', null, detail, true],
        });
      });
      const total = round(perStatement.start + perStatement.claim + perStatement.accept, 3);
      rows.push([
        `${variant.name}: backend CPU ms per push`,
        total,
        `start ${perStatement.start}, claim ${perStatement.claim}, accept ${perStatement.accept}; wall per statement ${perStatement['start wall']} / ${perStatement['claim wall']} / ${perStatement['accept wall']} ms`,
      ]);
    }
    printTable(`Push path SQL on one connection, ${n} pushes per variant (load ${round(os.loadavg()[0])})`, rows);
  } finally {
    await scope.cleanup();
  }
});
