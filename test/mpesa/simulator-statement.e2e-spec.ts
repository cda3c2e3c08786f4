// The simulator's org-portal statement: both exports parse back (exceljs, csv-parse) to the rows of
// its ledger, with the portal's preamble, a charge twin per payment, reversals, masked parties.
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { DarajaLedgerClient } from '../../src/mpesa/daraja-ledger.client';
import { STATEMENT_HEADERS } from '../../src/mpesa/simulator/simulator-statement';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';
import { simulatorRequest } from '../support/simulator-http';

let t: TestApp;

const simulator = (method: 'GET' | 'POST', path: string, body?: unknown) => simulatorRequest(t.baseUrl, method, path, body);

type Table = string[][];

/** The label rows before the header, and the data rows as header → text. */
function split(table: Table) {
  const headerAt = table.findIndex((row) => row[0] === 'Receipt No.');
  expect(headerAt).toBeGreaterThan(0);
  const header = table[headerAt];
  const rows = table.slice(headerAt + 1).filter((r) => r.some((c) => c !== '')).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
  return { preamble: table.slice(0, headerAt), header, rows };
}

async function csvTable(query = ''): Promise<Table> {
  const res = await fetch(`${t.baseUrl}/simulator/statement.csv${query}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
  return parse(await res.text(), { relax_column_count: true }) as Table;
}

async function xlsxTable(): Promise<Table> {
  const res = await fetch(`${t.baseUrl}/simulator/statement.xlsx`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('spreadsheetml');
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
  const table: Table = [];
  workbook.worksheets[0].eachRow({ includeEmpty: true }, (row, n) => {
    const values = (row.values as unknown[]).slice(1).map((v) => (typeof v === 'number' ? v.toFixed(2) : v === null || v === undefined ? '' : String(v)));
    table[n - 1] = values;
  });
  return Array.from(table, (r) => r ?? []);
}

beforeAll(async () => {
  t = await startTestApp({ env: { SIMULATOR_CALLBACK_DELAY_MS: '50' } });
});
afterAll(() => t?.close());

describe('GET /simulator/statement.csv and .xlsx', () => {
  let ledger: { receipt: string; kind: string; amount: number; msisdn: string; billReference: string; charge: number; originalReceipt: string | null }[];

  beforeAll(async () => {
    await simulator('POST', '/reset');
    await simulator('POST', '/ledger/payments', { phoneNumber: '254708374111', amount: 450, billReference: 'RF8K2M4Q', name: 'Alice Njeri Kariuki' });
    await simulator('POST', '/ledger/payments', { phoneNumber: '254712000222', amount: 1000, billReference: '' });
    const third = await simulator('POST', '/ledger/payments', { phoneNumber: '254712000333', amount: 300, billReference: 'PAY3' });
    const client = t.app.get(DarajaLedgerClient, { strict: false });
    const ack = await client.reversal({ receipt: third.body.receipt, amount: 300, remarks: 'double payment' });
    expect(ack.kind).toBe('accepted');
    await waitFor(async () => (await simulator('GET', '/ledger')).body.entries.some((e: { kind: string }) => e.kind === 'reversal'), 'the reversal in the ledger');
    ledger = (await simulator('GET', '/ledger')).body.entries;
  });

  it.each([['csv', csvTable], ['xlsx', xlsxTable]] as const)('the %s export has the preamble and the header row, mapped by text', async (_format, read) => {
    const { preamble, header } = split(await read());
    const labels = preamble.map((r) => r[0]);
    expect(labels.slice(0, 3)).toEqual(['Account Holder:', 'Short Code:', 'Account:']);
    expect(labels[3]).toMatch(/^Time Period: From \d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2} To \d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}$/);
    expect(labels).toEqual(expect.arrayContaining(['Operator:', 'Date of Report:', 'Opening Balance:', 'Closing Balance:']));
    expect(preamble.find((r) => r[0] === 'Short Code:')?.[1]).toBe('174379');
    expect(header).toEqual([...STATEMENT_HEADERS]);
  });

  it.each([['csv', csvTable], ['xlsx', xlsxTable]] as const)('the %s export parses back to the ledger: paid-in rows, charge twins, the reversal', async (_format, read) => {
    const { rows } = split(await read());
    const payments = ledger.filter((e) => e.kind !== 'reversal');
    const paidIn = rows.filter((r) => r['Paid In'] !== '');
    expect(paidIn.map((r) => [r['Receipt No.'], Number(r['Paid In']), r['A/C No.'], r['Transaction Status']]).sort()).toEqual(
      payments.map((e) => [e.receipt, e.amount, e.billReference, 'Completed']).sort(),
    );
    const charges = rows.filter((r) => r.Details === 'Pay Bill Charge');
    expect(charges.map((r) => [r['Receipt No.'], Number(r.Withdrawn)]).sort()).toEqual(payments.map((e) => [e.receipt, -e.charge]).sort());
    expect(charges.every((r) => r['Paid In'] === '' && r['Reason Type'] === 'Pay Bill Charge')).toBe(true);
    const reversal = ledger.find((e) => e.kind === 'reversal')!;
    expect(rows.filter((r) => r['Reason Type'] === 'Pay Bill Reversal').map((r) => [r['Receipt No.'], Number(r.Withdrawn), r['Linked Transaction ID']])).toEqual([[reversal.receipt, -300, reversal.originalReceipt]]);
    expect(rows).toHaveLength(payments.length * 2 + 1);
  });

  it('masks every party: no full MSISDN or surname anywhere, the Details as the portal writes them', async () => {
    const table = await csvTable();
    const text = table.flat().join('\n');
    for (const e of ledger) expect(text).not.toContain(e.msisdn);
    expect(text).not.toContain('KARIUKI');
    const { rows } = split(table);
    const alice = rows.find((r) => r['A/C No.'] === 'RF8K2M4Q')!;
    expect(alice['Other Party Info']).toBe('25470****111 - ALICE ****');
    expect(alice.Details).toBe('Pay Bill from 25470****111 - ALICE **** Acc. RF8K2M4Q');
    expect(alice['Completion Time']).toMatch(/^\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}$/);
  });

  it('the balance column runs from the opening balance to the closing one, newest row first', async () => {
    const { preamble, rows } = split(await csvTable());
    const closing = Number(preamble.find((r) => r[0] === 'Closing Balance:')?.[1]);
    const opening = Number(preamble.find((r) => r[0] === 'Opening Balance:')?.[1]);
    expect(Number(rows[0].Balance)).toBe(closing);
    const moved = rows.reduce((sum, r) => sum + Number(r['Paid In'] || 0) + Number(r.Withdrawn || 0), 0);
    expect(Math.round((opening + moved) * 100) / 100).toBe(closing);
    expect(closing).toBe((await simulator('GET', '/ledger')).body.balance);
  });

  it('limits the period with ?from and ?to, and refuses a bad one', async () => {
    const future = new Date(Date.now() + 3600_000).toISOString();
    const { rows } = split(await csvTable(`?from=${encodeURIComponent(future)}&to=${encodeURIComponent(new Date(Date.now() + 7200_000).toISOString())}`));
    expect(rows).toEqual([]);
    const bad = await fetch(`${t.baseUrl}/simulator/statement.csv?from=yesterday`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ errorCode: '400.002.02' });
  });
});
