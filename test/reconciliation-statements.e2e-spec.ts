// Issue 16 part 3: importing the M-PESA org-portal statement (POST /api/reconciliation/statements)
// and reading the reports. Statements are generated here in the portal's layout (preamble, header
// row, charge twins, settlement rows: test/support/statement-file.ts) as .xlsx and .csv; payments
// to compare with are rows of this file's own database.
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { MAX_STATEMENT_ROWS } from '../src/reconciliation/statement-reader';
import { changedTables, stateFingerprint } from './support/state-fingerprint';
import { eat, paidInRows, settlementRow, STATEMENT_HEADERS, StatementHeader, statementCsv, StatementInput, StatementRowInput, statementXlsx } from './support/statement-file';
import { ADMIN_KEY, STAFF_KEY, startTestApp, TestApp } from './support/test-app';

const FORMULA = "=cmd|' /C calc'!A0";

interface Line {
  kind: string;
  receipt: string | null;
  paymentId: string | null;
  ours: { amount: number; status: string; accountReference: string } | null;
  mpesa: { row: number; amount: number | null; paidIn: string | null; otherParty: string | null } | null;
  note: string;
}
interface Report {
  id: string;
  source: string;
  periodFrom: string;
  periodTo: string;
  createdAt: string;
  fileName: string | null;
  counts: Record<string, number>;
  lines: Line[];
}

describe('Statement import', () => {
  let t: TestApp;
  const p: Record<string, { id: string; ref: string }> = {};

  const upload = (file: Buffer, name: string, key = ADMIN_KEY) =>
    request(t.app.getHttpServer()).post('/api/reconciliation/statements').set('X-API-Key', key).attach('file', file, name);
  const get = (path: string, key = ADMIN_KEY) => request(t.app.getHttpServer()).get(path).set('X-API-Key', key);

  async function payment(receipt: string | null, completedAt: string, amount = 1000): Promise<{ id: string; ref: string }> {
    const [referral] = await t.dataSource.query(`INSERT INTO referrals (patient_name, amount, status, paid_at) VALUES ('Statement Patient', $1, 'paid', $2::timestamptz) RETURNING id`, [amount, completedAt]);
    const [row] = await t.dataSource.query(
      `INSERT INTO payments (referral_id, phone_number, amount, status, push_state, attempts, mpesa_transaction_id, created_at, updated_at, completed_at)
       VALUES ($1, '254712160001', $2, 'completed', 'accepted', 1, $3, $4::timestamptz - interval '1 minute', $4::timestamptz, $4::timestamptz)
       RETURNING id, account_reference`,
      [referral.id, amount, receipt, completedAt],
    );
    return { id: row.id, ref: row.account_reference };
  }

  /** The statement of June 2026 the tests share, rows in the portal's order of completion. */
  function juneStatement(): StatementInput {
    const rows: StatementRowInput[] = [
      ...paidInRows('UF1AAA0001', '2026-06-10T07:00:00Z', '1,000.00', p.matched.ref),
      ...paidInRows('UF1AAA0002', '2026-06-11T07:00:00Z', '1,500.00', p.differs.ref),
      ...paidInRows('UF1AAA0004', '2026-06-14T07:00:00Z', '2,000.00', 'X9ZZZZZZ', `25471****678 - ${FORMULA}`),
      ...paidInRows('UF1AAA0006', '2026-06-13T07:00:20Z', '1,000.00', p.noReceipt.ref),
      // The same payment row exported twice.
      paidInRows('UF1AAA0001', '2026-06-10T07:00:00Z', '1,000.00', p.matched.ref)[0],
      // Cents: never rounded into a receipt.
      paidInRows('UF1AAA0005', '2026-06-15T07:00:00Z', '10.50', 'X9YYYYYY')[0],
      settlementRow('SETTLE0001', '2026-06-20T15:00:00Z', '-4,485.00'),
      { ...paidInRows('UF1AAA0007', '2026-06-21T07:00:00Z', '1,000.00', 'X9WWWWWW')[0], 'Transaction Status': 'Cancelled' },
    ];
    return { periodFrom: '01-06-2026 00:00:00', periodTo: '30-06-2026 23:59:59', rows };
  }

  const EXPECTED_COUNTS = { matched: 2, amountDiffers: 1, missingInOurs: 2, missingInMpesa: 1, duplicates: 1, ignored: 6 };

  beforeAll(async () => {
    t = await startTestApp({ env: { AUTO_STK_ON_PENDING_PAYMENT: 'false' } });
    p.matched = await payment('UF1AAA0001', '2026-06-10T07:00:05Z');
    p.differs = await payment('UF1AAA0002', '2026-06-11T07:00:05Z');
    p.missingInMpesa = await payment('UF1AAA0003', '2026-06-12T07:00:05Z');
    // Completed by a status query, which never carries the receipt.
    p.noReceipt = await payment(null, '2026-06-13T07:00:30Z');
    // Outside the statement's period: not compared.
    p.july = await payment('UF1AAA0009', '2026-07-02T07:00:05Z');
  });
  afterAll(() => t.close());

  async function statementReceipts(): Promise<{ receipt: string; state: string; amount: number; phone_number: string | null; payment_id: string | null; source: string }[]> {
    return t.dataSource.query(`SELECT receipt, state, amount, phone_number, payment_id, source FROM receipts ORDER BY receipt`);
  }

  /** Built once: exceljs writes the time of writing into the workbook, so each build is another file. */
  let xlsxOfJune: Buffer;

  describe('an .xlsx statement', () => {
    let first: Report;

    it('counts every row as the contract says, with the right lines', async () => {
      xlsxOfJune = await statementXlsx(juneStatement());
      const res = await upload(xlsxOfJune, 'ORG_174379_June.xlsx');
      expect({ status: res.status, body: res.status === 201 ? 'ok' : res.body }).toEqual({ status: 201, body: 'ok' });
      first = res.body;
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(first).toMatchObject({
        source: 'statement',
        // The preamble's Time Period, EAT, in UTC.
        periodFrom: '2026-05-31T21:00:00.000Z',
        periodTo: '2026-06-30T20:59:59.000Z',
        fileName: 'ORG_174379_June.xlsx',
        counts: EXPECTED_COUNTS,
      });
      const byKindAndReceipt = first.lines.map((l) => `${l.kind} ${l.receipt ?? '-'} ${l.paymentId ?? '-'}`);
      expect(byKindAndReceipt).toEqual([
        `matched UF1AAA0001 ${p.matched.id}`,
        'ignored UF1AAA0001 -',
        `amountDiffers UF1AAA0002 ${p.differs.id}`,
        'ignored UF1AAA0002 -',
        'missingInOurs UF1AAA0004 -',
        'ignored UF1AAA0004 -',
        `matched UF1AAA0006 ${p.noReceipt.id}`,
        'ignored UF1AAA0006 -',
        'duplicates UF1AAA0001 -',
        'missingInOurs UF1AAA0005 -',
        'ignored SETTLE0001 -',
        'ignored UF1AAA0007 -',
        `missingInMpesa UF1AAA0003 ${p.missingInMpesa.id}`,
      ]);
      const line = (kind: string, receipt: string) => first.lines.find((l) => l.kind === kind && l.receipt === receipt)!;
      expect(line('matched', 'UF1AAA0001')).toMatchObject({ ours: { amount: 1000, status: 'completed' }, mpesa: { amount: 1000, paidIn: '1,000.00', row: 12 } });
      expect(line('amountDiffers', 'UF1AAA0002')).toMatchObject({ ours: { amount: 1000 }, mpesa: { amount: 1500 } });
      expect(line('amountDiffers', 'UF1AAA0002').note).toContain('1,500 KES');
      expect(line('missingInOurs', 'UF1AAA0005')).toMatchObject({ mpesa: { amount: null, paidIn: '10.50' } });
      expect(line('missingInOurs', 'UF1AAA0005').note).toMatch(/not whole shillings.*not recorded as a receipt/);
      expect(line('matched', 'UF1AAA0006').note).toContain('account reference');
      expect(line('duplicates', 'UF1AAA0001').note).toContain('row 12');
      expect(line('ignored', 'SETTLE0001').note).toContain('settlement');
      expect(line('ignored', 'UF1AAA0007').note).toContain('Cancelled');
      expect(first.lines.filter((l) => l.kind === 'ignored' && l.note.startsWith('a charge row'))).toHaveLength(4);
      // Outside the period: the July payment is on no line.
      expect(first.lines.some((l) => l.paymentId === p.july.id)).toBe(false);
    });

    it('recorded the money M-Pesa has as receipts (source statement; no phone when masked), and not the row with cents', async () => {
      expect(await statementReceipts()).toEqual([
        { receipt: 'UF1AAA0001', state: 'applied', amount: 1000, phone_number: null, payment_id: p.matched.id, source: 'statement' },
        { receipt: 'UF1AAA0002', state: 'review', amount: 1500, phone_number: null, payment_id: p.differs.id, source: 'statement' },
        { receipt: 'UF1AAA0004', state: 'unmatched', amount: 2000, phone_number: null, payment_id: null, source: 'statement' },
        // Waits for an admin to attach it to the payment completed without one.
        { receipt: 'UF1AAA0006', state: 'review', amount: 1000, phone_number: null, payment_id: p.noReceipt.id, source: 'statement' },
      ]);
      const events = await t.dataSource.query(`SELECT receipt, type, to_state, source, detail FROM receipt_events ORDER BY receipt`);
      expect(events).toHaveLength(4);
      expect(events.every((e: { type: string; source: string; detail: { reportId: string } }) => e.type === 'recorded' && e.source === 'statement' && e.detail.reportId === first.id)).toBe(true);
    });

    it('importing the same file again changes nothing and answers the same report', async () => {
      const before = await stateFingerprint(t.dataSource);
      const res = await upload(xlsxOfJune, 'ORG_174379_June.xlsx');
      expect(res.status).toBe(201);
      expect(res.headers['idempotent-replayed']).toBe('true');
      expect(res.body).toEqual(first);
      expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
    });

    it('answers the report by id, and lists it', async () => {
      const one = await get(`/api/reconciliation/reports/${first.id}`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual(first);
      const list = await get('/api/reconciliation/reports');
      expect(list.status).toBe(200);
      const { lines: _lines, ...summary } = first;
      expect(list.body.items[0]).toEqual(summary);
    });
  });

  describe('after an admin attaches the receipt the statement supplied', () => {
    it('the payment holds it, and the same file gives a new report in which it matches by receipt', async () => {
      const attached = await request(t.app.getHttpServer())
        .post('/api/receipts/UF1AAA0006/resolve')
        .set('X-API-Key', ADMIN_KEY)
        .send({ action: 'attach', paymentId: p.noReceipt.id, reason: 'the June statement shows it on this payment' });
      expect({ status: attached.status, body: attached.status === 200 ? 'ok' : attached.body }).toEqual({ status: 200, body: 'ok' });
      const [held] = await t.dataSource.query('SELECT mpesa_transaction_id FROM payments WHERE id = $1', [p.noReceipt.id]);
      expect(held.mpesa_transaction_id).toBe('UF1AAA0006');

      const list = (await get('/api/reconciliation/reports?limit=200')).body.items as Report[];
      const res = await upload(xlsxOfJune, 'ORG_174379_June.xlsx');
      expect(res.status).toBe(201);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(res.body.id).not.toBe(list[0].id);
      expect(res.body.counts).toEqual(EXPECTED_COUNTS);
      const line = (res.body.lines as Line[]).find((l) => l.receipt === 'UF1AAA0006' && l.kind === 'matched')!;
      expect(line.note).not.toContain('account reference');
    });
  });

  describe('the same statement as .csv, columns in another order and headers spelled loosely', () => {
    const order: StatementHeader[] = [...STATEMENT_HEADERS].reverse();
    const loose = order.map((h) => `  ${h.toUpperCase().replace(/ /g, '  ')} `);

    it('gives the same counts, records no receipt twice, and a second import changes nothing', async () => {
      const receiptsBefore = await statementReceipts();
      const csv = statementCsv({ ...juneStatement(), headers: loose, columns: order });
      const res = await upload(csv, 'statement.csv');
      expect({ status: res.status, body: res.status === 201 ? 'ok' : res.body }).toEqual({ status: 201, body: 'ok' });
      expect(res.body.counts).toEqual(EXPECTED_COUNTS);
      expect(res.body.fileName).toBe('statement.csv');
      expect(res.body.lines.map((l: Line) => `${l.kind} ${l.receipt}`)).toContain('missingInOurs UF1AAA0004');
      expect(await statementReceipts()).toEqual(receiptsBefore);

      const before = await stateFingerprint(t.dataSource);
      const again = await upload(csv, 'statement.csv');
      expect(again.status).toBe(201);
      expect(again.body).toEqual(res.body);
      expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
    });

    it('two imports of one file at the same moment write one report', async () => {
      const csv = statementCsv({ rows: paidInRows('UF1CONC001', '2026-06-17T07:00:00Z', '700.00', 'X9SSSSSS') });
      const [a, b] = await Promise.all([upload(csv, 'twice.csv'), upload(csv, 'twice.csv')]);
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(a.body.id).toBe(b.body.id);
      expect([a.headers['idempotent-replayed'], b.headers['idempotent-replayed']].filter(Boolean)).toEqual(['true']);
      const [{ count }] = await t.dataSource.query(`SELECT count(*)::int AS count FROM receipt_events WHERE receipt = 'UF1CONC001'`);
      expect(count).toBe(1);
    });

    it('takes the period from the rows when the preamble has none', async () => {
      const csv = statementCsv({ periodFrom: null, rows: paidInRows('UF1AAA0001', '2026-06-10T07:00:00Z', '1000', p.matched.ref) });
      const res = await upload(csv, 'no-period.csv');
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ periodFrom: '2026-06-10T07:00:00.000Z', periodTo: '2026-06-10T07:00:00.000Z', counts: { matched: 1, ignored: 1, missingInMpesa: 0 } });
    });
  });

  describe('an .xlsx statement with date and number cells', () => {
    it('reads Excel dates as EAT and number cells as KES', async () => {
      const [row, charge] = paidInRows('UF1AAA0001', '2026-06-10T07:00:00Z', '1,000.00', p.matched.ref);
      // exceljs keeps a date cell's wall clock as if it were UTC: 10:00 EAT is written as 10:00.
      const dated = { ...row, 'Completion Time': new Date('2026-06-10T10:00:00Z'), 'Paid In': 1000, 'A/C No.': 850060 };
      const res = await upload(await statementXlsx({ periodFrom: null, rows: [dated, { ...charge, 'Completion Time': new Date('2026-06-10T10:00:00Z') }] }), 'dates.xlsx');
      expect({ status: res.status, body: res.status === 201 ? 'ok' : res.body }).toEqual({ status: 201, body: 'ok' });
      expect(res.body).toMatchObject({ periodFrom: '2026-06-10T07:00:00.000Z', periodTo: '2026-06-10T07:00:00.000Z', counts: { matched: 1, ignored: 1 } });
      expect(res.body.lines[0].mpesa).toMatchObject({ amount: 1000, completionTime: '2026-06-10T07:00:00.000Z', accountNumber: '850060' });
    });
  });

  describe('files that are not a statement', () => {
    it('answers 400 naming the header columns that are missing, and stores nothing', async () => {
      const before = await stateFingerprint(t.dataSource);
      const columns: StatementHeader[] = STATEMENT_HEADERS.filter((h) => h !== 'Paid In' && h !== 'Withdrawn');
      const res = await upload(statementCsv({ ...juneStatement(), headers: columns, columns }), 'half.csv');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', missingColumns: ['Paid In', 'Withdrawn'] });
      expect(res.body.message).toContain('Paid In, Withdrawn');
      expect(res.body.fields).toEqual([expect.objectContaining({ field: 'file' })]);

      const xlsx = await upload(await statementXlsx({ ...juneStatement(), headers: columns, columns }), 'half.xlsx');
      expect(xlsx.status).toBe(400);
      expect(xlsx.body).toMatchObject({ code: 'VALIDATION_FAILED', missingColumns: ['Paid In', 'Withdrawn'] });
      expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
    });

    it('answers 400 naming the columns it looks for when the file has no header row at all', async () => {
      const before = await stateFingerprint(t.dataSource);
      const res = await upload(Buffer.from('name,amount\nalice,100\n'), 'people.csv');
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.message).toContain('Receipt No., Completion Time, Transaction Status, Paid In, Withdrawn');
      const broken = await upload(Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(2000, 7)]), 'broken.xlsx');
      expect(broken.status).toBe(400);
      expect(broken.body.message).toContain('not a readable .xlsx');
      expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
    });

    it('answers 400 to a statement of more rows than one import takes (export a shorter period)', async () => {
      const before = await stateFingerprint(t.dataSource);
      const head = statementCsv({ rows: [] }).toString('utf8');
      const rows = Array.from({ length: MAX_STATEMENT_ROWS + 1 }, (_, i) => `R${i},01-06-2026 10:00:00,,Pay Bill,Completed,1.00,,,,,,,X`).join('\r\n');
      const res = await upload(Buffer.from(`${head}${rows}\r\n`), 'year.csv');
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(`more than ${MAX_STATEMENT_ROWS} rows`);
      expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
    });

    it('answers 400 to a corrupt workbook, even one that leaves the zip reader waiting for ever', async () => {
      const rows = Array.from({ length: 200 }, (_, i) => paidInRows(`UF2${String(i).padStart(7, '0')}`, '2026-06-10T07:00:00Z', '1,000.00', 'X9TTTTTT')).flat();
      const good = await statementXlsx({ rows });
      // Every 97th byte past the zip's first entry header inverted: exceljs neither errors nor ends
      // on this one (found by trying); the reader gives up once nothing moved for 10 s.
      const corrupt = Buffer.from(good.map((b, i) => (i > 2000 && i % 97 === 0 ? b ^ 0xff : b)));
      const started = Date.now();
      const res = await upload(corrupt, 'corrupt.xlsx');
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('not a readable .xlsx');
      expect(Date.now() - started).toBeLessThan(20_000);
    }, 30_000);

    it('answers 400 to a statement of another short code', async () => {
      const res = await upload(statementCsv({ ...juneStatement(), shortCode: '600984' }), 'other.csv');
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('short code 600984');
    });

    it('answers 400 without a file and 415 to a JSON body', async () => {
      const none = await request(t.app.getHttpServer()).post('/api/reconciliation/statements').set('X-API-Key', ADMIN_KEY).field('other', 'x');
      expect(none.status).toBe(400);
      expect(none.body).toMatchObject({ code: 'VALIDATION_FAILED', fields: [expect.objectContaining({ field: 'file' })] });
      const json = await request(t.app.getHttpServer()).post('/api/reconciliation/statements').set('X-API-Key', ADMIN_KEY).send({ file: 'x' });
      expect(json.status).toBe(415);
      expect(json.body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    });

    it('answers 413 to a 20 MB file, with the error body, and stores nothing', async () => {
      const before = await stateFingerprint(t.dataSource);
      const big = Buffer.concat([statementCsv(juneStatement()), Buffer.alloc(20 * 1024 * 1024, 'x')]);
      const res = await upload(big, 'big.csv');
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
      expect(res.body.message).toContain('10 MB');
      expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
    });
  });

  describe('reports', () => {
    it('exports the lines as CSV with every formula-like cell neutralised', async () => {
      const list = await get('/api/reconciliation/reports?limit=200');
      const id = (list.body.items as Report[]).find((r) => r.fileName === 'ORG_174379_June.xlsx')!.id;
      const res = await get(`/api/reconciliation/reports/${id}?format=csv`).buffer(true).parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="reconciliation-report-${id}.csv"`);
      const rows: Record<string, string>[] = parse(res.body as string, { bom: true, columns: true });
      expect(rows).toHaveLength(13);
      const missing = rows.find((r) => r.kind === 'missingInOurs' && r.receipt === 'UF1AAA0004')!;
      expect(missing.mpesaOtherParty).toBe(`25471****678 - ${FORMULA}`);
      expect(missing.mpesaDetails).toBe(`Pay Bill from 25471****678 - ${FORMULA} Acc. X9ZZZZZZ`);
      // The charge rows' Withdrawn starts with "-": neutralised too.
      expect(rows.find((r) => r.kind === 'ignored' && r.receipt === 'UF1AAA0001')!.mpesaWithdrawn).toBe("'-15.00");
      const cells = rows.flatMap((r) => Object.values(r));
      expect(cells.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
    });

    it('neutralises a cell that is itself a formula', async () => {
      const csv = statementCsv({ rows: paidInRows('=1+2', '2026-06-16T07:00:00Z', '300.00', 'X9VVVVVV', FORMULA) });
      const imported = await upload(csv, 'formula.csv');
      expect(imported.status).toBe(201);
      const res = await get(`/api/reconciliation/reports/${imported.body.id}?format=csv`);
      const rows: Record<string, string>[] = parse(res.text, { bom: true, columns: true });
      const line = rows.find((r) => r.kind === 'missingInOurs')!;
      expect(line.mpesaOtherParty).toBe(`'${FORMULA}`);
      expect(line.receipt).toBe("'=1+2");
      expect(rows.flatMap((r) => Object.values(r)).filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
    });

    it('lists newest first, a page at a time', async () => {
      const all = (await get('/api/reconciliation/reports?limit=200')).body.items as Report[];
      expect(all.length).toBeGreaterThanOrEqual(4);
      const created = all.map((r) => r.createdAt);
      expect([...created].sort().reverse()).toEqual(created);
      const page1 = await get('/api/reconciliation/reports?limit=2');
      expect(page1.body.items.map((r: Report) => r.id)).toEqual(all.slice(0, 2).map((r) => r.id));
      const page2 = await get(`/api/reconciliation/reports?limit=2&cursor=${page1.body.nextCursor}`);
      expect(page2.body.items.map((r: Report) => r.id)).toEqual(all.slice(2, 4).map((r) => r.id));
    });

    it('answers 404 for an unknown id and 400 for a bad format or id', async () => {
      expect((await get('/api/reconciliation/reports/00000000-0000-4000-8000-000000000000')).status).toBe(404);
      const id = ((await get('/api/reconciliation/reports')).body.items as Report[])[0].id;
      const bad = await get(`/api/reconciliation/reports/${id}?format=xml`);
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', fields: [expect.objectContaining({ field: 'format' })] });
      expect((await get('/api/reconciliation/reports/not-a-uuid')).status).toBe(400);
    });

    it('refuses a staff key on all three routes (403), changing nothing', async () => {
      const id = ((await get('/api/reconciliation/reports')).body.items as Report[])[0].id;
      const before = await stateFingerprint(t.dataSource);
      const statuses = [
        (await upload(statementCsv({ rows: paidInRows('UF1STAFF01', '2026-06-16T07:00:00Z', '100.00', 'X9UUUUUU') }), 'staff.csv', STAFF_KEY)).status,
        (await get('/api/reconciliation/reports', STAFF_KEY)).status,
        (await get(`/api/reconciliation/reports/${id}`, STAFF_KEY)).status,
        (await get(`/api/reconciliation/reports/${id}?format=csv`, STAFF_KEY)).status,
      ];
      expect(statuses).toEqual([403, 403, 403, 403]);
      expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
      expect(eat('2026-06-16T07:00:00Z')).toBe('16-06-2026 10:00:00');
    });
  });
});
