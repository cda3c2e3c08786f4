// Issue 16's foundations end to end: the ledger client against the simulator over HTTP, in the
// test app's own simulator mode, with Results POSTed back to the app's results route and stored.
import type { AppConfig } from '../../src/config/app-config';
import { appConfig } from '../../src/config/config.module';
import { DarajaHttpTransport } from '../../src/mpesa/daraja-http.transport';
import { DarajaLedgerClient, InitiatorAck } from '../../src/mpesa/daraja-ledger.client';
import { parseDarajaResult, readReversalResult, readTransactionStatusResult } from '../../src/mpesa/daraja-result.parser';
import { DarajaTokenCache } from '../../src/mpesa/daraja-token.cache';
import { DarajaClient } from '../../src/mpesa/daraja.client';
import { SecurityCredentialProvider } from '../../src/mpesa/security-credential';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';
import { simulatorRequest } from '../support/simulator-http';

let t: TestApp;
let client: DarajaLedgerClient;
let config: AppConfig;

const NOMINATED = '254708374149';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const simulator = (method: 'GET' | 'POST', path: string, body?: unknown) => simulatorRequest(t.baseUrl, method, path, body);

const settings = (values: Record<string, unknown>) => simulator('POST', '/settings', values);

async function payByHand(amount: number, billReference = '', phoneNumber = '254712000111'): Promise<string> {
  const res = await simulator('POST', '/ledger/payments', { phoneNumber, amount, billReference });
  expect(res.status).toBe(201);
  return res.body.receipt as string;
}

interface StoredResult {
  id: string;
  kind: string;
  conversation_id: string;
  originator_conversation_id: string;
  raw_body: string;
  state: string;
  deliveries: number;
  note: string | null;
}

const storedFor = async (ack: InitiatorAck): Promise<StoredResult[]> => {
  if (ack.kind !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(ack)}`);
  return t.dataSource.query(`SELECT * FROM mpesa_results WHERE conversation_id = $1`, [ack.conversationId]);
};
const resultOf = (ack: InitiatorAck) => waitFor(async () => (await storedFor(ack))[0], 'the result to be stored', 10_000, 50);

/** A client of its own (own token cache, own credential) with another initiator password. */
function clientWithPassword(password: string): DarajaLedgerClient {
  const other = { ...config, mpesa: { ...config.mpesa, initiator: { name: config.mpesa.initiator!.name, credential: { source: 'simulator' as const, password } } } } as AppConfig;
  const http = new DarajaHttpTransport(other);
  return new DarajaLedgerClient(other, new DarajaTokenCache(other, http), http, new SecurityCredentialProvider(other, http));
}

beforeAll(async () => {
  t = await startTestApp({ env: { SIMULATOR_CALLBACK_DELAY_MS: '50', AUTO_STK_ON_PENDING_PAYMENT: 'false' } });
  client = t.app.get(DarajaLedgerClient, { strict: false });
  config = t.app.get<AppConfig>(appConfig.KEY);
});
afterAll(() => t?.close());
beforeEach(async () => {
  expect((await simulator('POST', '/reset')).status).toBe(200);
});

describe('Transaction Status', () => {
  it('finds a receipt an STK payment produced: the 13-parameter result arrives at the results route and is stored', async () => {
    const stk = t.app.get(DarajaClient, { strict: false });
    const push = await stk.stkPush({ phoneNumber: '0712345678', amount: 450, accountReference: 'PAY7K3M', transactionDesc: 'Referral fee', callbackUrl: 'http://127.0.0.1:9/nowhere' });
    expect(push.kind).toBe('accepted');
    const receipt = await waitFor(async () => (await simulator('GET', '/ledger')).body.entries.find((e: { kind: string }) => e.kind === 'stk')?.receipt as string | undefined, 'the STK payment in the ledger');

    const ack = await client.transactionStatus({ receipt, occasion: 'check-1' });
    expect(ack).toMatchObject({ kind: 'accepted', conversationId: expect.stringMatching(/^AG_\d{8}_/) });
    const row = await resultOf(ack);
    expect(row).toMatchObject({ kind: 'transaction-status', state: 'received', deliveries: 1, note: null });
    const parsed = parseDarajaResult(row.raw_body);
    expect(Object.keys(parsed.parameters).sort()).toEqual(
      ['Amount', 'ConversationID', 'CreditPartyCharges', 'CreditPartyName', 'DebitAccountType', 'DebitPartyName', 'FinalisedTime', 'InitiatedTime', 'OriginatorConversationID', 'ReasonType', 'ReceiptNo', 'TransactionReason', 'TransactionStatus'],
    );
    expect(parsed.referenceData).toEqual({ Occasion: 'check-1' });
    expect(parsed.transactionId).not.toBe(receipt);
    expect(readTransactionStatusResult(parsed)).toMatchObject({
      found: true,
      receipt,
      amount: 450,
      debitParty: { identifier: '0712345678' },
      transactionStatus: 'Completed',
      reasonType: 'Pay Bill Online',
    });
    if (ack.kind === 'accepted') expect(row.originator_conversation_id).toBe(ack.originatorConversationId);
  });

  it('answers 2032 for a receipt M-Pesa does not have', async () => {
    const row = await resultOf(await client.transactionStatus({ receipt: 'UZZZZZZZZ9' }));
    const outcome = readTransactionStatusResult(parseDarajaResult(row.raw_body));
    expect(outcome).toMatchObject({ resultCode: '2032', found: false, receipt: null });
  });

  it('sees a payment made by hand (no push, no callback)', async () => {
    const callbacksBefore = Number((await t.dataSource.query(`SELECT count(*)::int AS n FROM mpesa_callbacks`))[0].n);
    const receipt = await payByHand(700, 'PAYHAND1');
    const outcome = readTransactionStatusResult(parseDarajaResult((await resultOf(await client.transactionStatus({ receipt }))).raw_body));
    expect(outcome).toMatchObject({ found: true, receipt, amount: 700, reasonType: 'Pay Bill' });
    await sleep(200);
    expect(Number((await t.dataSource.query(`SELECT count(*)::int AS n FROM mpesa_callbacks`))[0].n)).toBe(callbacksBefore);
    expect((await simulator('GET', '/transactions')).body.callbacksSent).toBe(0);
  });
});

describe('SecurityCredential', () => {
  it('a wrong initiator password gets 2001 in the result (the acknowledgement still says queued), and repeated ones lock it: 8006', async () => {
    const receipt = await payByHand(100);
    const wrong = clientWithPassword('not-the-password');
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const ack = await wrong.transactionStatus({ receipt });
      expect(ack.kind).toBe('accepted');
      codes.push(parseDarajaResult((await resultOf(ack)).raw_body).resultCode);
    }
    expect(codes).toEqual(['2001', '2001', '2001', '8006']);
    // Locked for the right credential too, until the simulator is reset.
    expect(parseDarajaResult((await resultOf(await client.transactionStatus({ receipt }))).raw_body).resultCode).toBe('8006');
    await simulator('POST', '/reset');
    const again = await payByHand(100);
    expect(parseDarajaResult((await resultOf(await client.transactionStatus({ receipt: again }))).raw_body).resultCode).toBe('0');
  });

  it('says not-configured, sending nothing, without an initiator', async () => {
    const none = { ...config, mpesa: { ...config.mpesa, initiator: null } } as AppConfig;
    const http = new DarajaHttpTransport(none);
    const bare = new DarajaLedgerClient(none, new DarajaTokenCache(none, http), http, new SecurityCredentialProvider(none, http));
    expect(await bare.transactionStatus({ receipt: 'UF1AB2CD3E' })).toMatchObject({ kind: 'not-configured' });
    expect((await simulator('GET', '/ledger')).body.results).toEqual([]);
  });
});

describe('Reversal', () => {
  it('reverses a receipt once; the second reversal of it gets R000001', async () => {
    const receipt = await payByHand(900, 'PAYREV1');
    const first = readReversalResult(parseDarajaResult((await resultOf(await client.reversal({ receipt, amount: 900, remarks: 'Paid twice' }))).raw_body));
    expect(first).toMatchObject({ reversed: true, originalReceipt: receipt, amount: 900, reversalReceipt: expect.stringMatching(/^[A-Z][A-Z0-9]{9}$/) });
    expect(first.reversalReceipt).not.toBe(receipt);
    const ledger = (await simulator('GET', '/ledger')).body.entries as { receipt: string; kind: string; originalReceipt: string | null; reversedBy: string | null }[];
    expect(ledger.find((e) => e.receipt === receipt)?.reversedBy).toBe(first.reversalReceipt);
    expect(ledger.find((e) => e.receipt === first.reversalReceipt)).toMatchObject({ kind: 'reversal', originalReceipt: receipt });

    const second = readReversalResult(parseDarajaResult((await resultOf(await client.reversal({ receipt, amount: 900, remarks: 'Paid twice' }))).raw_body));
    expect(second).toMatchObject({ reversed: false, alreadyReversed: true, resultCode: 'R000001', reversalReceipt: null });
  });

  it('answers R000002 for a receipt that does not exist', async () => {
    const row = await resultOf(await client.reversal({ receipt: 'UZZZZZZZZ8', amount: 10, remarks: 'no such' }));
    expect(parseDarajaResult(row.raw_body).resultCode).toBe('R000002');
  });

  it('the simulator refuses the English spelling ReceiverIdentifierType as Daraja does', async () => {
    const basic = Buffer.from(`${config.mpesa.consumerKey}:${config.mpesa.consumerSecret}`).toString('base64');
    const oauth = await fetch(`${t.baseUrl}/simulator/oauth/v1/generate?grant_type=client_credentials`, { headers: { Authorization: `Basic ${basic}` } });
    const { access_token: token } = (await oauth.json()) as { access_token: string };
    const credential = await t.app.get(SecurityCredentialProvider, { strict: false }).credential();
    const res = await fetch(`${t.baseUrl}/simulator/mpesa/reversal/v1/request`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({
        Initiator: config.mpesa.initiator!.name, SecurityCredential: credential, CommandID: 'TransactionReversal', TransactionID: 'UF1AB2CD3E', Amount: '10',
        ReceiverParty: config.mpesa.shortcode, ReceiverIdentifierType: '11', ResultURL: 'http://127.0.0.1:9/r', QueueTimeOutURL: 'http://127.0.0.1:9/q', Remarks: 'spelling',
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errorCode: '400.002.02', errorMessage: 'Bad Request - Invalid RecieverIdentifierType' });
  });
});

describe('Pull Transactions', () => {
  const window = () => ({ from: new Date(Date.now() - 3600_000), to: new Date(Date.now() + 60_000) });

  async function fivePayments(): Promise<string[]> {
    const receipts: string[] = [];
    for (let i = 0; i < 5; i++) receipts.push(await payByHand(100 + i, `PAYPULL${i}`, `25471200010${i}`));
    return receipts;
  }

  it('registers once (1000), then again is 1001 "already", with spaced keys read', async () => {
    expect(await client.pullRegister(NOMINATED, `${t.baseUrl}/pull-confirmation`)).toMatchObject({ kind: 'registered', status: '1000' });
    expect(await client.pullRegister(NOMINATED, `${t.baseUrl}/pull-confirmation`)).toMatchObject({ kind: 'already-registered', status: '1001' });
  });

  it('reads every page when OffSetValue is a row offset', async () => {
    await client.pullRegister(NOMINATED, `${t.baseUrl}/pull-confirmation`);
    const receipts = await fivePayments();
    await settings({ pullPaging: 'offset', pullPageSize: 2 });
    const result = await client.pullTransactions(window());
    expect(result).toMatchObject({ kind: 'rows', paging: 'offset', complete: true });
    if (result.kind !== 'rows') return;
    expect(result.rows.map((r) => r.transactionId).sort()).toEqual([...receipts].sort());
    expect(result.rows.find((r) => r.transactionId === receipts[2])).toMatchObject({ amount: 102, billReference: 'PAYPULL2', msisdn: '254712000102', transactionType: 'c2b-pay-bill-debit' });
    expect((await simulator('GET', '/ledger')).body.pullQueries).toBe(3);
  });

  it('reads every page when OffSetValue is a page number with TotalPages, flat Response too', async () => {
    await client.pullRegister(NOMINATED, `${t.baseUrl}/pull-confirmation`);
    const receipts = await fivePayments();
    await settings({ pullPaging: 'page', pullPageSize: 2, pullResponseShape: 'flat' });
    const result = await client.pullTransactions(window());
    expect(result).toMatchObject({ kind: 'rows', paging: 'page', complete: true });
    if (result.kind !== 'rows') return;
    expect(result.rows.map((r) => r.transactionId).sort()).toEqual([...receipts].sort());
  });

  it('stops at the page cap and says the answer is incomplete', async () => {
    await client.pullRegister(NOMINATED, `${t.baseUrl}/pull-confirmation`);
    await fivePayments();
    await settings({ pullPaging: 'offset', pullPageSize: 2 });
    const result = await client.pullTransactions({ ...window(), maxPages: 2 });
    expect(result).toMatchObject({ kind: 'rows', complete: false, pages: 2 });
    if (result.kind === 'rows') expect(result.rows).toHaveLength(4);
    expect((await simulator('GET', '/ledger')).body.pullQueries).toBe(2);
  });

  it('1001 for an empty window, and for a shortcode never registered (Daraja does not tell them apart)', async () => {
    await payByHand(100);
    expect(await client.pullTransactions(window())).toMatchObject({ kind: 'no-data', responseCode: '1001' });
    await client.pullRegister(NOMINATED, `${t.baseUrl}/pull-confirmation`);
    expect(await client.pullTransactions({ from: new Date(Date.now() - 7200_000), to: new Date(Date.now() - 3600_000) })).toMatchObject({ kind: 'no-data' });
  });

  it('not subscribed (401.001): one fresh token, then it stops and says so', async () => {
    await settings({ pullNotSubscribed: true });
    const before = (await simulator('GET', '/transactions')).body.tokenRequests as number;
    expect(await client.pullTransactions(window())).toMatchObject({ kind: 'not-subscribed' });
    expect((await simulator('GET', '/transactions')).body.tokenRequests).toBe(before + 1);
    expect(await client.pullRegister(NOMINATED, `${t.baseUrl}/pull-confirmation`)).toMatchObject({ kind: 'not-subscribed' });
  });

  it('includes STK payments (C2B on M-Pesa’s side) and payments by hand, never reversals', async () => {
    await client.pullRegister(NOMINATED, `${t.baseUrl}/pull-confirmation`);
    const hand = await payByHand(300, 'PAYHAND2');
    const stk = t.app.get(DarajaClient, { strict: false });
    expect((await stk.stkPush({ phoneNumber: '0712345670', amount: 250, accountReference: 'PAYSTK1', transactionDesc: 'Fee', callbackUrl: 'http://127.0.0.1:9/x' })).kind).toBe('accepted');
    await waitFor(async () => (await simulator('GET', '/ledger')).body.entries.some((e: { kind: string }) => e.kind === 'stk'), 'the STK payment');
    await resultOf(await client.reversal({ receipt: hand, amount: 300, remarks: 'refund' }));
    const result = await client.pullTransactions(window());
    if (result.kind !== 'rows') throw new Error(JSON.stringify(result));
    expect(result.rows.map((r) => [r.billReference, r.amount]).sort()).toEqual([['PAYHAND2', 300], ['PAYSTK1', 250]]);
  });
});

describe('Result faults (simulator settings resultFault)', () => {
  it('lost: acknowledged, never delivered', async () => {
    await settings({ resultFault: 'lost' });
    const ack = await client.transactionStatus({ receipt: await payByHand(10) });
    expect(ack.kind).toBe('accepted');
    await sleep(500);
    expect(await storedFor(ack)).toEqual([]);
  });

  it('twice: delivered twice, stored once with two deliveries', async () => {
    await settings({ resultFault: 'twice' });
    const ack = await client.transactionStatus({ receipt: await payByHand(10) });
    await waitFor(async () => (await storedFor(ack))[0]?.deliveries === 2, 'the second delivery', 5000, 50);
    expect(await storedFor(ack)).toHaveLength(1);
  });

  it('before-ack: the result is stored before the acknowledgement comes back', async () => {
    await settings({ resultFault: 'before-ack' });
    const ack = await client.transactionStatus({ receipt: await payByHand(10) });
    expect(await storedFor(ack)).toHaveLength(1);
  });

  it('late: not there soon, there later', async () => {
    await settings({ resultFault: 'late' });
    const ack = await client.transactionStatus({ receipt: await payByHand(10) });
    await sleep(300);
    expect(await storedFor(ack)).toEqual([]);
    await resultOf(ack);
  });
});

describe("Daraja's inconsistent spellings, produced by the simulator and read by the client", () => {
  it('docs-style Results (every value a string) and the misspelled acknowledgement key', async () => {
    await settings({ resultStyle: 'docs', misspelledAcknowledgement: true });
    const receipt = await payByHand(450, 'PAYDOCS1');
    const ack = await client.transactionStatus({ receipt });
    expect(ack).toMatchObject({ kind: 'accepted', originatorConversationId: expect.stringMatching(/^\d{4}-\d{9}-\d$/) });
    const row = await resultOf(ack);
    const raw = JSON.parse(row.raw_body);
    expect(raw.Result.ResultCode).toBe('0');
    expect(raw.Result.ResultParameters.ResultParameter.find((p: { Key: string }) => p.Key === 'Amount').Value).toBe('450');
    expect(readTransactionStatusResult(parseDarajaResult(raw))).toMatchObject({ found: true, receipt, amount: 450, initiatedAt: expect.stringMatching(/Z$/) });
    expect(row.originator_conversation_id).toBe(ack.kind === 'accepted' ? ack.originatorConversationId : null);
  });

  it('Pull answers carrying RequestID (the live sandbox) instead of ResponseRefID', async () => {
    await client.pullRegister(NOMINATED, `${t.baseUrl}/pull-confirmation`);
    await payByHand(120, 'PAYREQ1');
    await settings({ pullRequestIdKey: true });
    const result = await client.pullTransactions({ from: new Date(Date.now() - 3600_000), to: new Date(Date.now() + 60_000) });
    expect(result).toMatchObject({ kind: 'rows', refId: expect.stringMatching(/^\d{5}-\d{7}-\d$/) });
  });
});
