// A small Daraja stand-in on a real port, for tests that must decide each push's answer and each
// query's answer themselves (hold an answer, lose it, say an id is unknown). Only the three
// endpoints the service calls: OAuth, STK Push and STK Push Query.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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
export type QueryAnswer = { status: number; body: Record<string, unknown> };

let serial = 0;

export class FakeDaraja {
  readonly pushes: FakePush[] = [];
  readonly queries: string[] = [];
  /** what happens to the next pushes; 'hold' keeps each answer until the test calls accept() or lose() */
  pushMode: PushMode = 'accept';
  /** answers a query by CheckoutRequestID; default: unknown id (HTTP 400 Invalid CheckoutRequestID) */
  queryAnswer: (checkoutRequestId: string) => QueryAnswer = () => FakeDaraja.unknownId();
  private readonly held = new Set<ServerResponse>();

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
