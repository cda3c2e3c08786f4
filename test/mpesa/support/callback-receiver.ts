// A tiny HTTP server standing in for our callback endpoint: records every callback as it arrives.
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A JSON body as tests read it: loosely, because the assertions themselves check its shape.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonBody = any;

export interface ReceivedCallback {
  path: string;
  contentType: string | undefined;
  body: JsonBody;
}

export class CallbackReceiver {
  readonly received: ReceivedCallback[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<CallbackReceiver> {
    const holder: { receiver?: CallbackReceiver } = {};
    const server = createServer(async (req, res) => {
      const raw = await readBody(req);
      const receiver = holder.receiver as CallbackReceiver;
      receiver.received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(raw) });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ResultCode: 0, ResultDesc: 'Accepted' }));
      for (const wake of receiver.waiters) wake();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.receiver = new CallbackReceiver(server, `http://127.0.0.1:${port}`);
    return holder.receiver;
  }

  for(checkoutRequestId: string): ReceivedCallback[] {
    return this.received.filter((c) => c.body?.Body?.stkCallback?.CheckoutRequestID === checkoutRequestId);
  }

  /** Resolves once `count` callbacks for the id have arrived; the limit only turns a hang into a clear failure. */
  async waitFor(checkoutRequestId: string, count = 1, limitMs = 15_000): Promise<ReceivedCallback[]> {
    const deadline = Date.now() + limitMs;
    while (this.for(checkoutRequestId).length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} callback(s) for ${checkoutRequestId}, got ${this.for(checkoutRequestId).length}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 50);
        this.waiters.add(wake);
      });
    }
    return this.for(checkoutRequestId);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
