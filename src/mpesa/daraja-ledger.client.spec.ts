// The ledger client's reading of answers the simulator does not produce (0-based page numbers,
// overlapping pages, timeouts after sending) and the exact bodies it sends.
import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { DarajaHttpResponse, DarajaHttpTransport, DarajaTransportError } from './daraja-http.transport';
import { DarajaLedgerClient, PULL_QUERY_PATH, REVERSAL_PATH, TRANSACTION_STATUS_PATH } from './daraja-ledger.client';
import { DarajaRequestError } from './daraja-request.error';
import type { DarajaTokenCache } from './daraja-token.cache';
import { SecurityCredentialError, type SecurityCredentialProvider } from './security-credential';

const config = {
  mpesa: {
    shortcode: '600984',
    callbackBaseUrl: 'https://pay.example.org',
    callbackToken: 'a-secret-token-0000',
    initiator: { name: 'apiop', credential: { source: 'given', value: 'CREDENTIAL' } },
  },
} as unknown as AppConfig;

type Step = DarajaHttpResponse | DarajaTransportError | ((body: Record<string, unknown>) => DarajaHttpResponse);

function clientWith(steps: Step[], cfg: AppConfig = config, credential: () => Promise<string> = async () => 'CREDENTIAL') {
  const sent: { path: string; token: string; body: Record<string, unknown> }[] = [];
  const transport = {
    send: async (_m: string, path: string, headers: Record<string, string>, body: Record<string, unknown>) => {
      sent.push({ path, token: headers.Authorization, body });
      const step = steps.shift();
      if (!step) throw new Error('unexpected request');
      if (step instanceof DarajaTransportError) throw step;
      return typeof step === 'function' ? step(body) : step;
    },
  } as unknown as DarajaHttpTransport;
  let issued = 0;
  let current: string | null = null;
  const tokens = {
    get: async () => (current ??= `t${++issued}`),
    invalidate: (token: string) => {
      if (current === token) current = null;
    },
  } as unknown as DarajaTokenCache;
  const credentials = { credential } as unknown as SecurityCredentialProvider;
  return { client: new DarajaLedgerClient(cfg, tokens, transport, credentials), sent };
}

beforeAll(() => Logger.overrideLogger(false));

const row = (id: string) => ({ transactionId: id, trxDate: '2026-06-01T19:36:04+03:00', msisdn: 254712345678, sender: 'JANE', transactiontype: 'c2b-pay-bill-debit', billreference: 'PAY3', amount: '10.00', organizationname: 'ACME' });
const page = (ids: string[], extra: Record<string, unknown> = {}): DarajaHttpResponse => ({ status: 200, body: { ResponseRefID: 'r', ResponseCode: '1000', ResponseMessage: 'Success', Response: [ids.map(row)], ...extra } });
const window = () => ({ from: new Date(Date.now() - 3600_000), to: new Date() });

describe('DarajaLedgerClient.pullTransactions', () => {
  it('pages by number from 0 when pages count from 0 (TotalPages 3: 0, 1, 2; the short last page ends it)', async () => {
    const pages: Record<string, string[]> = { '0': ['A', 'B'], '1': ['C', 'D'], '2': ['E'] };
    const answer = (body: Record<string, unknown>) => {
      const ids = pages[body.OffSetValue as string];
      return ids ? page(ids, { TotalPages: 3 }) : { status: 200, body: { ResponseCode: '1001', ResponseMessage: 'No records' } };
    };
    const { client, sent } = clientWith([answer, answer, answer, answer]);
    const result = await client.pullTransactions(window());
    expect(result).toMatchObject({ kind: 'rows', paging: 'page', complete: true });
    if (result.kind === 'rows') expect(result.rows.map((r) => r.transactionId)).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(sent.map((s) => s.body.OffSetValue)).toEqual(['0', '1', '2']);
    expect(sent[0].path).toBe(PULL_QUERY_PATH);
    expect(sent[0].body).toMatchObject({ ShortCode: '600984', StartDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/) });
  });

  it('pages by number from 1 (0 and 1 the same page): the repeat at 1 is not the end', async () => {
    const pages: Record<string, string[]> = { '0': ['A', 'B'], '1': ['A', 'B'], '2': ['C', 'D'], '3': ['E', 'F'] };
    const answer = (body: Record<string, unknown>) => page(pages[body.OffSetValue as string], { TotalPages: 3 });
    const { client, sent } = clientWith([answer, answer, answer, answer]);
    const result = await client.pullTransactions(window());
    if (result.kind !== 'rows') throw new Error(JSON.stringify(result));
    expect(result.rows.map((r) => r.transactionId)).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    expect(sent.map((s) => s.body.OffSetValue)).toEqual(['0', '1', '2', '3']);
  });

  it('by row offset: deduplicates overlapping pages and stops on a page that adds nothing new', async () => {
    const { client, sent } = clientWith([page(['A', 'B']), page(['B', 'C']), page(['B', 'C'])]);
    const result = await client.pullTransactions(window());
    if (result.kind !== 'rows') throw new Error(JSON.stringify(result));
    expect(result.rows.map((r) => r.transactionId)).toEqual(['A', 'B', 'C']);
    expect(sent.map((s) => s.body.OffSetValue)).toEqual(['0', '2', '4']);
    expect(result.complete).toBe(true);
  });

  it('stops at the hard cap even if the answers never end', async () => {
    let n = 0;
    const endless = () => page([`R${n++}`, `R${n++}`]);
    const { client, sent } = clientWith(Array.from({ length: 10 }, () => endless));
    const result = await client.pullTransactions({ ...window(), maxPages: 3 });
    expect(result).toMatchObject({ kind: 'rows', complete: false, pages: 3 });
    expect(sent).toHaveLength(3);
  });

  it('401.001 twice: one new token, then not-subscribed', async () => {
    const refused = { status: 401, body: { requestId: 'x', errorCode: '401.001', errorMessage: 'Invalid Access Token' } };
    const { client, sent } = clientWith([refused, refused]);
    expect(await client.pullTransactions(window())).toMatchObject({ kind: 'not-subscribed' });
    expect(sent.map((s) => s.token)).toEqual(['Bearer t1', 'Bearer t2']);
  });

  it('1001 after rows is the end, not "no data"; another ResponseCode is an error', async () => {
    const { client } = clientWith([page(['A', 'B']), { status: 200, body: { ResponseCode: '1001' } }]);
    expect(await client.pullTransactions(window())).toMatchObject({ kind: 'rows', pages: 1, complete: true });
    const { client: other } = clientWith([{ status: 200, body: { ResponseCode: '1002', ResponseMessage: 'Invalid shortcode' } }]);
    expect(await other.pullTransactions(window())).toMatchObject({ kind: 'error', errorClass: 'permanent', errorCode: '1002' });
  });

  it('refuses a window older than 48 hours or upside down, before sending', async () => {
    const { client, sent } = clientWith([]);
    await expect(client.pullTransactions({ from: new Date(Date.now() - 49 * 3600_000), to: new Date() })).rejects.toBeInstanceOf(DarajaRequestError);
    await expect(client.pullTransactions({ from: new Date(), to: new Date(Date.now() - 1000) })).rejects.toBeInstanceOf(DarajaRequestError);
    expect(sent).toEqual([]);
  });
});

describe('DarajaLedgerClient initiator requests', () => {
  const ack = { status: 200, body: { OriginatorCoversationID: 'o-1', ConversationID: 'AG_1', ResponseCode: '0', ResponseDescription: 'Accept the service request successfully.' } };

  it('sends Transaction Status with the initiator, credential and the results URLs', async () => {
    const { client, sent } = clientWith([ack]);
    expect(await client.transactionStatus({ receipt: 'uf1ab2cd3e', occasion: 'x' })).toEqual({ kind: 'accepted', conversationId: 'AG_1', originatorConversationId: 'o-1', responseDescription: 'Accept the service request successfully.' });
    expect(sent[0]).toMatchObject({
      path: TRANSACTION_STATUS_PATH,
      body: {
        Initiator: 'apiop', SecurityCredential: 'CREDENTIAL', CommandID: 'TransactionStatusQuery', TransactionID: 'UF1AB2CD3E', PartyA: '600984', IdentifierType: '4',
        ResultURL: 'https://pay.example.org/api/mpesa/results/a-secret-token-0000/transaction-status',
        QueueTimeOutURL: 'https://pay.example.org/api/mpesa/results/a-secret-token-0000/transaction-status?timeout=queue',
        Occasion: 'x',
      },
    });
  });

  it("sends a Reversal with Safaricom's spelling of RecieverIdentifierType, never the English one", async () => {
    const { client, sent } = clientWith([ack]);
    await client.reversal({ receipt: 'UF1AB2CD3E', amount: 450, remarks: 'Paid twice' });
    expect(sent[0].path).toBe(REVERSAL_PATH);
    expect(sent[0].body).toMatchObject({ CommandID: 'TransactionReversal', Amount: '450', ReceiverParty: '600984', RecieverIdentifierType: '11', ResultURL: 'https://pay.example.org/api/mpesa/results/a-secret-token-0000/reversal' });
    expect(sent[0].body).not.toHaveProperty('ReceiverIdentifierType');
  });

  it('a reversal whose answer never came is indeterminate (never resend); one never sent is retryable', async () => {
    const { client } = clientWith([new DarajaTransportError(true, 'TIMEOUT', 'no answer'), new DarajaTransportError(false, 'ECONNREFUSED', 'refused')]);
    expect(await client.reversal({ receipt: 'UF1AB2CD3E', amount: 450, remarks: 'Paid twice' })).toMatchObject({ kind: 'error', errorClass: 'indeterminate' });
    expect(await client.reversal({ receipt: 'UF1AB2CD3E', amount: 450, remarks: 'Paid twice' })).toMatchObject({ kind: 'error', errorClass: 'retryable' });
  });

  it('refuses bad input before sending anything', async () => {
    const { client, sent } = clientWith([]);
    await expect(client.reversal({ receipt: 'UF1AB2CD3E', amount: 10.5, remarks: 'Paid twice' })).rejects.toMatchObject({ field: 'amount' });
    await expect(client.reversal({ receipt: 'UF1AB2CD3E', amount: 10, remarks: 'x' })).rejects.toMatchObject({ field: 'remarks' });
    await expect(client.transactionStatus({ receipt: 'not a receipt!' })).rejects.toMatchObject({ field: 'receipt' });
    expect(sent).toEqual([]);
  });

  it('a refusal in the acknowledgement is permanent; an unreadable 200 indeterminate', async () => {
    const { client } = clientWith([{ status: 200, body: { ConversationID: 'AG_2', ResponseCode: '1', ResponseDescription: 'Rejected' } }, { status: 200, body: {} }]);
    expect(await client.transactionStatus({ receipt: 'UF1AB2CD3E' })).toMatchObject({ kind: 'error', errorClass: 'permanent', errorCode: '1' });
    expect(await client.transactionStatus({ receipt: 'UF1AB2CD3E' })).toMatchObject({ kind: 'error', errorClass: 'indeterminate' });
  });

  it("sends nothing and answers retryable while the simulator's certificate cannot be fetched (asking later is safe)", async () => {
    const unreachable = async () => {
      throw new SecurityCredentialError("Could not get the simulator's certificate: connection refused", 'unreachable');
    };
    const { client, sent } = clientWith([], config, unreachable);
    expect(await client.transactionStatus({ receipt: 'UF1AB2CD3E' })).toMatchObject({ kind: 'error', errorClass: 'retryable', errorMessage: expect.stringContaining('certificate') });
    expect(await client.reversal({ receipt: 'UF1AB2CD3E', amount: 10, remarks: 'Refund' })).toMatchObject({ kind: 'error', errorClass: 'retryable' });
    expect(sent).toEqual([]);
    const broken = async () => {
      throw new SecurityCredentialError('MPESA_CERTIFICATE_PATH is unreadable');
    };
    expect(await clientWith([], config, broken).client.transactionStatus({ receipt: 'UF1AB2CD3E' })).toMatchObject({ kind: 'not-configured' });
  });

  it('without an initiator sends nothing', async () => {
    const { client, sent } = clientWith([], { mpesa: { ...config.mpesa, initiator: null } } as unknown as AppConfig);
    expect(await client.transactionStatus({ receipt: 'UF1AB2CD3E' })).toMatchObject({ kind: 'not-configured' });
    expect(client.initiatorConfigured).toBe(false);
    expect(sent).toEqual([]);
  });
});
