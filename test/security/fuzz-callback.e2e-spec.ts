// Issue 8, Security: property-based fuzzing (fast-check) of POST /api/stk-callback/:token, the one
// route open to the internet without a key. Daraja-shaped bodies with every field replaced by
// anything, random JSON, broken JSON, wrong content types and encodings, right and wrong tokens.
// Properties: never a 5xx; anything but 200 changes nothing in Postgres; every stored callback is
// processed (none left "received"); no payment completes unless the callback says success, names
// its CheckoutRequestID and carries its exact amount; the process answers /health/ready after.
import fc from 'fast-check';
import { DEV_CALLBACK_PATH } from '../support/callbacks';
import { contentType, extraHeaders, fieldValue, FUZZ_RUNS, FUZZ_SEED, fuzzParameters, pathSegment, rawBody } from '../support/fuzz';
import { jsonRequest, rawRequest } from '../support/raw-http';
import { changedTables, stateFingerprint, stateTables } from '../support/state-fingerprint';
import { ADMIN_KEY, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/** Callbacks get more runs than a JSON route: they are the service's public surface. */
const CALLBACK_RUNS = FUZZ_RUNS * 3;

interface FixturePayment {
  id: string;
  stkRequestId: string;
  amount: number;
  phone: string;
}

describe('Fuzzing the M-Pesa callback', () => {
  let t: TestApp;
  let tables: string[];
  const payments: FixturePayment[] = [];

  beforeAll(async () => {
    t = await startTestApp({ env: { AUTO_STK_ON_PENDING_PAYMENT: 'false', RATE_LIMIT_PER_MINUTE: '0' } });
    tables = await stateTables(t.dataSource);
    for (let i = 0; i < 12; i++) {
      const phone = `2547126${String(i).padStart(5, '0')}`;
      const call = async (method: string, path: string, body: unknown) => {
        const res = await rawRequest(t.baseUrl, jsonRequest(method, path, body, ADMIN_KEY));
        if (res.status >= 300) throw new Error(`fixture ${path}: ${res.status} ${res.text}`);
        return res.json as Record<string, string>;
      };
      const referralId = (await call('POST', '/api/referrals', { patientName: 'Callback Fuzz', amount: 100 + i })).id;
      await call('PATCH', `/api/referrals/${referralId}/status`, { status: 'awaiting-biodata' });
      await call('PATCH', `/api/referrals/${referralId}/status`, { status: 'pending-payment', stkPhoneNumber: phone });
      const payment = await call('POST', `/api/referrals/${referralId}/payments`, {});
      const stkRequestId = `ws_CO_CBFUZZ_${i}_${Date.now()}`;
      // As if Daraja had accepted the push: no worker runs in this app.
      await t.dataSource.query(`UPDATE payments SET stk_request_id = $1, push_state = 'accepted' WHERE id = $2`, [stkRequestId, payment.id]);
      payments.push({ id: payment.id, stkRequestId, amount: 100 + i, phone });
    }
  });
  afterAll(() => t.close());

  // payments is filled in beforeAll; arbitraries that read it are built lazily.
  const fixture = () => fc.constantFrom(...payments);
  const item = (name: string, value: fc.Arbitrary<unknown>) =>
    fc.oneof({ weight: 4, arbitrary: value.map((Value) => ({ Name: name, Value })) }, { weight: 1, arbitrary: fc.constant({ Name: name }) }, { weight: 1, arbitrary: fieldValue });

  function darajaShaped() {
    return fc
      .record({
        p: fixture(),
        id: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.string({ maxLength: 40 }) }, { weight: 1, arbitrary: fieldValue }),
        resultCode: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constantFrom('0', 1, 1032, '1032', 'SFC_IC0003', 1037, 4999) }, { weight: 1, arbitrary: fieldValue }),
        resultDesc: fc.oneof(fc.string({ maxLength: 60 }), fieldValue),
        amountDelta: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: -100, max: 100 }) }, { weight: 1, arbitrary: fc.double({ min: -1, max: 1, noNaN: true }) }),
        amountAs: fc.constantFrom('number', 'string', 'other'),
        receipt: fc.oneof(fc.stringMatching(/^[A-Z0-9]{10}$/), fieldValue),
        phone: fc.oneof(fc.constant('own'), fieldValue),
        extraItems: fc.array(fieldValue, { maxLength: 3 }),
        metadata: fc.oneof({ weight: 4, arbitrary: fc.constant('items') }, { weight: 1, arbitrary: fc.constantFrom('none', 'garbage') }),
        mangle: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('no-body', 'no-stkCallback', 'array-body', 'proto') }),
      })
      .chain((r) =>
        item('Amount', fc.constant(r.amountAs === 'number' ? r.p.amount + r.amountDelta : r.amountAs === 'string' ? String(r.p.amount + r.amountDelta) : { v: r.p.amount })).chain((amountItem) =>
          fc.tuple(item('MpesaReceiptNumber', fc.constant(r.receipt)), item('PhoneNumber', fc.constant(r.phone === 'own' ? Number(r.p.phone) : r.phone))).map(([receiptItem, phoneItem]) => {
            const stkCallback: Record<string, unknown> = {
              MerchantRequestID: '29115-34620561-1',
              CheckoutRequestID: r.id === null ? r.p.stkRequestId : r.id,
              ResultCode: r.resultCode,
              ResultDesc: r.resultDesc,
            };
            if (r.metadata === 'items') stkCallback.CallbackMetadata = { Item: [amountItem, receiptItem, { Name: 'Balance' }, { Name: 'TransactionDate', Value: 20261121102115 }, phoneItem, ...r.extraItems] };
            if (r.metadata === 'garbage') stkCallback.CallbackMetadata = r.extraItems;
            if (r.mangle === 'no-body') return { stkCallback };
            if (r.mangle === 'no-stkCallback') return { Body: stkCallback };
            if (r.mangle === 'array-body') return { Body: [{ stkCallback }] };
            if (r.mangle === 'proto') return JSON.parse(`{"__proto__": {"polluted": true}, "Body": ${JSON.stringify({ stkCallback })}}`);
            return { Body: { stkCallback } };
          }),
        ),
      );
  }

  it('never answers 5xx, refuses without storing, and never completes a payment it should not', async () => {
    const statuses: Record<number, number> = {};
    let completions = 0;
    const input = fc.record({
      token: fc.oneof({ weight: 10, arbitrary: fc.constant(DEV_CALLBACK_PATH.split('/').pop()!) }, { weight: 1, arbitrary: pathSegment }),
      query: fc.oneof({ weight: 5, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('?x=1', '?token=dev-callback-token', '?%zz') }),
      contentType,
      headers: extraHeaders,
      body: rawBody(darajaShaped(), 20),
    });
    const parameters = fuzzParameters(100, CALLBACK_RUNS);
    console.log(`fuzzing the callback: ${CALLBACK_RUNS} inputs, FUZZ_SEED=${FUZZ_SEED} (seed ${parameters.seed})`);
    await fc.assert(
      fc.asyncProperty(input, async ({ token, query, contentType: type, headers, body }) => {
        const before = await stateFingerprint(t.dataSource, tables);
        const pendingBefore = new Set<string>(
          (await t.dataSource.query(`SELECT id FROM payments WHERE status = 'pending'`)).map((r: { id: string }) => r.id),
        );
        const res = await rawRequest(t.baseUrl, {
          method: 'POST',
          path: `/api/stk-callback/${token}${query}`,
          headers: { ...headers, ...(body !== undefined ? { 'Content-Type': type } : {}) },
          body,
        });
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        expect(res.status).toBeLessThan(500);
        if (res.status !== 200) {
          expect(res.json).toMatchObject({ statusCode: res.status, code: expect.any(String) });
          expect(changedTables(before, await stateFingerprint(t.dataSource, tables))).toEqual([]);
          return;
        }
        expect(res.json).toEqual({ ResultCode: 0, ResultDesc: 'Accepted' });
        // Stored, answered, then applied in the background: every stored callback gets a verdict.
        await waitFor(
          async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM mpesa_callbacks WHERE state = 'received'`))[0].n === 0,
          'every stored callback to be processed',
          5_000,
          10,
        );
        const completed: { id: string; stk_request_id: string; amount: number }[] = await t.dataSource.query(
          `SELECT id, stk_request_id, amount FROM payments WHERE status = 'completed'`,
        );
        for (const payment of completed.filter((p) => pendingBefore.has(p.id))) {
          completions++;
          const sent = JSON.parse(body!).Body.stkCallback;
          const items: { Name?: unknown; Value?: unknown }[] = sent.CallbackMetadata.Item;
          expect({ id: sent.CheckoutRequestID, code: String(sent.ResultCode), amount: Number(items.find((i) => i?.Name === 'Amount')?.Value) }).toEqual({
            id: payment.stk_request_id,
            code: '0',
            amount: payment.amount,
          });
        }
      }),
      parameters,
    );
    console.log(`callback fuzzing: ${CALLBACK_RUNS} inputs, seed ${parameters.seed}, answers ${JSON.stringify(statuses)}, payments completed ${completions}`);
    expect((await rawRequest(t.baseUrl, { method: 'GET', path: '/health/ready' })).status).toBe(200);
  });
});
