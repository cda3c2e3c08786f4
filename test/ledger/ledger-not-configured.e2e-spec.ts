// Outside simulator mode without MPESA_INITIATOR_NAME the service cannot send Transaction Status or
// Reversal: verify and refund answer 409 NOT_CONFIGURED and record nothing.
import { api } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({
    env: {
      MPESA_ENV: 'sandbox',
      MPESA_CONSUMER_KEY: 'test-key',
      MPESA_CONSUMER_SECRET: 'test-secret',
      MPESA_PASSKEY: 'test-passkey',
      MPESA_CALLBACK_TOKEN: 'test-callback-token-0123456789',
      MPESA_CALLBACK_BASE_URL: 'https://example.org',
      // Nothing listens here: nothing may be sent anyway.
      MPESA_BASE_URL: 'http://127.0.0.1:9',
    },
  });
});
afterAll(() => t?.close());

it('answers 409 NOT_CONFIGURED to verify and refund, changing nothing', async () => {
  await t.dataSource.query(`INSERT INTO receipts (receipt, amount, source, state) VALUES ('NOINIT0001', 500, 'ledger', 'refund-due')`);
  const http = api(t);
  const verify = await http.post('/api/receipts/NOINIT0001/verify', undefined, 'admin');
  expect(verify.status).toBe(409);
  expect(verify.body).toMatchObject({ statusCode: 409, code: 'NOT_CONFIGURED', message: expect.stringMatching(/MPESA_INITIATOR_NAME/) });
  const refund = await http.post('/api/receipts/NOINIT0001/refund', { reason: 'double payment' }, 'admin');
  expect(refund.status).toBe(409);
  expect(refund.body.code).toBe('NOT_CONFIGURED');
  expect((await http.post('/api/receipts/NOSUCH0001/verify', undefined, 'admin')).status).toBe(404);
  const [row] = await t.dataSource.query(`SELECT verification, refund, state FROM receipts WHERE receipt = 'NOINIT0001'`);
  expect(row).toEqual({ verification: null, refund: null, state: 'refund-due' });
  expect(await t.dataSource.query('SELECT id FROM ledger_requests')).toEqual([]);
});
