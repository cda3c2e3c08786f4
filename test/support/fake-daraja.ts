// A small Daraja stand-in on a real port, for tests that must decide each push's answer and each
// query's answer themselves (hold an answer, lose it, say an id is unknown). Only the endpoints the
// service calls for a payment: OAuth, STK Push, STK Push Query, and Transaction Status (with the
// certificate the dev initiator's credential is encrypted with), whose Result it posts to the
// ResultURL from a ledger the test fills.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TRANSACTION_STATUS_PATH } from '../../src/mpesa/daraja-ledger.client';
import { SIMULATOR_CERTIFICATE_PATH } from '../../src/mpesa/security-credential';
import { createSimulatorKeyPair } from '../../src/mpesa/simulator/simulator-certificate';

export interface FakePush {
  body: Record<string, unknown>;
  checkoutRequestId: string;
  merchantRequestId: string;
  /** answers the push "accepted" now (if it is still held) */
  accept(): void;
  /** never answers: the client times out (an indeterminate push) */
  lose(): void;
}

export type PushMode = 'accept' | 'hold' | 'lose';
/** What Transaction Status does: post its Result to the ResultURL, or never post one. */
export type ResultMode = 'answer' | 'lose';
/** A receipt M-Pesa's ledger holds, as Transaction Status reports it. */
export interface LedgerReceipt {
  amount: number;
  msisdn: string;
}
export type QueryAnswer = { status: number; body: Record<string, unknown> };

let serial = 0;

export class FakeDaraja {
  readonly pushes: FakePush[] = [];
  readonly queries: string[] = [];
  /** what happens to the next pushes; 'hold' keeps each answer until the test calls accept() or lose() */
  pushMode: PushMode = 'accept';
  /** answers a query by CheckoutRequestID; default: unknown id (HTTP 400 Invalid CheckoutRequestID) */
  queryAnswer: (checkoutRequestId: string) => QueryAnswer = () => FakeDaraja.unknownId();
  /** M-Pesa's ledger for Transaction Status: a receipt absent here answers 2032 */
  readonly ledger = new Map<string, LedgerReceipt>();
  /** the receipts Transaction Status was asked about, in order */
  readonly statusQueries: string[] = [];
  resultMode: ResultMode = 'answer';
  private readonly held = new Set<ServerResponse>();
  private certificate: string | null = null;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeDaraja> {
    const holder: { fake?: FakeDaraja } = {};
    const server = createServer((req, res) => {
      void readJson(req).then((body) => (holder.fake as FakeDaraja).handle(req, res, body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.fake = new FakeDaraja(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return holder.fake;
  }

  static unknownId(): QueryAnswer {
    return { status: 400, body: { requestId: 'fake', errorCode: '400.002.02', errorMessage: 'Bad Request - Invalid CheckoutRequestID' } };
  }

  static final(resultCode: string, resultDesc = 'The service request is processed successfully.'): QueryAnswer {
    return { status: 200, body: { ResponseCode: '0', ResponseDescription: 'The service request has been accepted successsfully', MerchantRequestID: 'm', CheckoutRequestID: 'c', ResultCode: resultCode, ResultDesc: resultDesc } };
  }

  /** Waits until Transaction Status has been asked about `receipt` `count` times. */
  async waitForStatusQueries(receipt: string, count = 1, limitMs = 15_000): Promise<void> {
    const deadline = Date.now() + limitMs;
    while (this.statusQueries.filter((r) => r === receipt).length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} Transaction Status ask(s) about ${receipt}, got ${this.statusQueries.filter((r) => r === receipt).length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Waits until `count` pushes have arrived. */
  async waitForPushes(count: number, limitMs = 15_000): Promise<FakePush[]> {
    const deadline = Date.now() + limitMs;
    while (this.pushes.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} push(es), got ${this.pushes.length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.pushes;
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): void {
    const send = (status: number, answer: unknown) => {
      this.held.delete(res);
      if (!res.writableEnded && !res.destroyed) res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
    };
    const path = req.url ?? '';
    if (path.startsWith('/oauth/v1/generate')) return send(200, { access_token: 'fake-token', expires_in: '3599' });
    if (path === '/mpesa/stkpushquery/v1/query') {
      const id = String(body.CheckoutRequestID);
      this.queries.push(id);
      const answer = this.queryAnswer(id);
      return send(answer.status, answer.body);
    }
    if (req.method === 'GET' && path === SIMULATOR_CERTIFICATE_PATH) {
      this.certificate ??= createSimulatorKeyPair().certificatePem;
      this.held.delete(res);
      return void res.writeHead(200, { 'Content-Type': 'application/x-pem-file' }).end(this.certificate);
    }
    if (path === TRANSACTION_STATUS_PATH) return this.transactionStatus(body, send);
    if (path === '/mpesa/stkpush/v1/processrequest') {
      serial++;
      const checkoutRequestId = `ws_CO_FAKE${Date.now()}${serial}`;
      const merchantRequestId = `fake-${serial}`;
      const accepted = { MerchantRequestID: merchantRequestId, CheckoutRequestID: checkoutRequestId, ResponseCode: '0', ResponseDescription: 'Success. Request accepted for processing', CustomerMessage: 'Success. Request accepted for processing' };
      this.held.add(res);
      const push: FakePush = { body, checkoutRequestId, merchantRequestId, accept: () => send(200, accepted), lose: () => this.held.delete(res) };
      this.pushes.push(push);
      if (this.pushMode === 'accept') push.accept();
      else if (this.pushMode === 'lose') push.lose();
      return;
    }
    send(404, { requestId: 'fake', errorCode: '404.001.01', errorMessage: 'Resource not found' });
  }

  /** Acknowledges, then posts the Result: the receipt's parameters from the ledger, or 2032. */
  private transactionStatus(body: Record<string, unknown>, send: (status: number, answer: unknown) => void): void {
    serial++;
    const receipt = String(body.TransactionID);
    const ids = { OriginatorConversationID: `fake-oc-${serial}`, ConversationID: `AG_FAKE_${serial}` };
    this.statusQueries.push(receipt);
    send(200, { ...ids, ResponseCode: '0', ResponseDescription: 'Accept the service request successfully.' });
    if (this.resultMode === 'lose') return;
    const entry = this.ledger.get(receipt);
    const result = entry
      ? {
          ResultType: 0,
          ResultCode: 0,
          ResultDesc: 'The service request is processed successfully.',
          ...ids,
          TransactionID: 'FAKE000000',
          ResultParameters: {
            ResultParameter: [
              { Key: 'DebitPartyName', Value: `0${entry.msisdn.slice(3)} - FAKE PAYER` },
              { Key: 'TransactionStatus', Value: 'Completed' },
              { Key: 'Amount', Value: entry.amount },
              { Key: 'ReceiptNo', Value: receipt },
            ],
          },
        }
      : { ResultType: 0, ResultCode: 2032, ResultDesc: 'The transaction receipt number does not exist.', ...ids, TransactionID: 'FAKE000000' };
    void fetch(String(body.ResultURL), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Result: result }) }).catch(() => undefined);
  }
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch {
        resolve({});
      }
    });
  });
}
