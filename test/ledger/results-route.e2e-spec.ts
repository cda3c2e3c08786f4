// POST /api/mpesa/results/:token/:kind: guarded exactly like the STK callback (contract, "Ledger
// reconciliation"): wrong token 404 storing nothing, allowlist 403, store first then 200, 400 for
// a body without the Result's ids, unknown kind 404, the same result twice stored once.
import { rawRequest, RawResponse } from '../support/raw-http';
import { changedTables, stateFingerprint } from '../support/state-fingerprint';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const TOKEN = 'dev-callback-token';

const result = (conversationId: string, changes: Record<string, unknown> = {}) => ({
  Result: {
    ResultType: 0,
    ResultCode: 2032,
    ResultDesc: 'The transaction receipt number does not exist.',
    OriginatorConversationID: `orig-${conversationId}`,
    ConversationID: conversationId,
    TransactionID: 'UL20000000',
    ...changes,
  },
});

function post(t: TestApp, path: string, body: unknown, contentType = 'application/json'): Promise<RawResponse> {
  return rawRequest(t.baseUrl, {
    method: 'POST',
    path,
    headers: { 'Content-Type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const rows = (t: TestApp, conversationId: string) => t.dataSource.query(`SELECT * FROM mpesa_results WHERE conversation_id = $1`, [conversationId]);

describe('The Daraja results route', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it.each(['transaction-status', 'reversal'])('stores a %s result as it arrived, then answers Accepted', async (kind) => {
    const id = `AG_store_${kind}`;
    const raw = JSON.stringify(result(id), null, 2);
    const res = await post(t, `/api/mpesa/results/${TOKEN}/${kind}`, raw);
    expect({ status: res.status, body: res.json }).toEqual({ status: 200, body: { ResultCode: 0, ResultDesc: 'Accepted' } });
    const [row] = await rows(t, id);
    expect(row).toMatchObject({ kind, conversation_id: id, originator_conversation_id: `orig-${id}`, raw_body: raw, state: 'received', note: null, deliveries: 1, queue_timeout: false });
    expect(row.received_at).toBeInstanceOf(Date);
  });

  it('applies a Result whose acknowledgement is stored at once, in the process that took it (no worker, no sweep here)', async () => {
    const id = 'AG_applied_by_the_route';
    const pending = { status: 'pending', amount: null, payer: null, resultCode: null, at: new Date().toISOString() };
    await t.dataSource.query(`INSERT INTO receipts (receipt, amount, phone_number, source, state, verification) VALUES ('UL2ROUTE01', 100, '254712345678', 'callback', 'unmatched', $1)`, [JSON.stringify(pending)]);
    await t.dataSource.query(
      `INSERT INTO ledger_requests (kind, purpose, receipt, state, conversation_id, originator_conversation_id, attempts, next_attempt_at)
       VALUES ('transaction-status', 'verify', 'UL2ROUTE01', 'sent', $1, $2, 1, now() + interval '1 hour')`,
      [id, `orig-${id}`],
    );
    expect((await post(t, `/api/mpesa/results/${TOKEN}/transaction-status`, result(id))).status).toBe(200);
    const [applied] = await waitFor(async () => {
      const found = await rows(t, id);
      return found[0]?.state === 'applied' ? found : null;
    }, 'the result to be applied');
    expect(applied.note).toBe('verification unknown-receipt');
    const [receipt] = await t.dataSource.query(`SELECT verification FROM receipts WHERE receipt = 'UL2ROUTE01'`);
    expect(receipt.verification).toMatchObject({ status: 'unknown-receipt', resultCode: '2032' });
  });

  it('stores the same result delivered twice once, however it is serialised', async () => {
    const id = 'AG_twice';
    expect((await post(t, `/api/mpesa/results/${TOKEN}/reversal`, result(id))).status).toBe(200);
    expect((await post(t, `/api/mpesa/results/${TOKEN}/reversal`, JSON.stringify(result(id), null, 4))).status).toBe(200);
    const stored = await rows(t, id);
    expect(stored).toHaveLength(1);
    expect(stored[0].deliveries).toBe(2);
    // Another verdict for the same conversation is another row.
    expect((await post(t, `/api/mpesa/results/${TOKEN}/reversal`, result(id, { ResultCode: 0 }))).status).toBe(200);
    expect(await rows(t, id)).toHaveLength(2);
  });

  it('keeps a QueueTimeOutURL post apart from the result, marked as outcome unknown', async () => {
    const id = 'AG_queue';
    expect((await post(t, `/api/mpesa/results/${TOKEN}/transaction-status?timeout=queue`, result(id))).status).toBe(200);
    const [row] = await rows(t, id);
    expect(row).toMatchObject({ queue_timeout: true, note: expect.stringContaining('outcome unknown') });
  });

  it('keeps a body it cannot read as a Result but that names its conversation, with a note', async () => {
    const id = 'AG_odd';
    expect((await post(t, `/api/mpesa/results/${TOKEN}/transaction-status`, { Result: { ConversationID: id } })).status).toBe(200);
    const [row] = await rows(t, id);
    expect(row.note).toMatch(/^unreadable: .*ResultCode/);
  });

  it('answers 404 for a wrong token, a missing kind or extra segments, storing nothing', async () => {
    const before = await stateFingerprint(t.dataSource);
    for (const path of [`/api/mpesa/results/not-the-token/reversal`, `/api/mpesa/results/${TOKEN}`, `/api/mpesa/results/${TOKEN}/reversal/extra`, `/api/mpesa/results/%E0%A4%A/reversal`]) {
      const res = await post(t, path, result('AG_forged'));
      expect({ path, status: res.status, code: (res.json as { code?: string })?.code }).toEqual({ path, status: 404, code: 'NOT_FOUND' });
    }
    expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
  });

  it('answers 404 for an unknown kind with the right token, storing nothing', async () => {
    const before = await stateFingerprint(t.dataSource);
    const res = await post(t, `/api/mpesa/results/${TOKEN}/b2c`, result('AG_kind'));
    expect(res.status).toBe(404);
    expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
  });

  it('answers 400 for a body that is not JSON or lacks both ids, storing nothing', async () => {
    const before = await stateFingerprint(t.dataSource);
    const path = `/api/mpesa/results/${TOKEN}/transaction-status`;
    const answers = [
      await post(t, path, '{"Result": ', 'application/json'),
      await post(t, path, 'Result=1', 'text/plain'),
      await post(t, path, { Result: { ResultCode: 0 } }),
      await post(t, path, { ConversationID: 'AG_flat' }),
      await post(t, path, []),
    ];
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 400, 400]);
    expect(answers[2].json).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
  });
});

describe('The Daraja results route with MPESA_CALLBACK_ALLOWED_IPS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { MPESA_CALLBACK_ALLOWED_IPS: '196.201.214.200,196.201.212.0/24' } });
  });
  afterAll(() => t?.close());

  it('answers 403 to a source outside the allowlist (the right token), storing nothing; a wrong token is still 404', async () => {
    const before = await stateFingerprint(t.dataSource);
    const refused = await post(t, `/api/mpesa/results/${TOKEN}/reversal`, result('AG_outside'));
    expect({ status: refused.status, code: (refused.json as { code?: string }).code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    expect((await post(t, `/api/mpesa/results/wrong-token/reversal`, result('AG_outside'))).status).toBe(404);
    expect(changedTables(before, await stateFingerprint(t.dataSource))).toEqual([]);
  });
});

describe('The Daraja results route allowing the loopback address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { MPESA_CALLBACK_ALLOWED_IPS: '127.0.0.1' } });
  });
  afterAll(() => t?.close());

  it('accepts a result from an allowed source and records the address', async () => {
    expect((await post(t, `/api/mpesa/results/${TOKEN}/reversal`, result('AG_inside'))).status).toBe(200);
    const [row] = await rows(t, 'AG_inside');
    expect(row.source_ip).toBe('127.0.0.1');
  });
});
