// One HTTP POST of one event to one endpoint, with the contract's limits: 15 s for the whole
// exchange, redirects never followed (a 3xx is a failed attempt), at most 64 KiB of the answer
// read, and, unless private URLs are allowed, no connection to a loopback, private or link-local
// address: a literal one is refused before any socket opens, a name is checked on the addresses
// it resolves to at connect time (guardedLookup), which is what the socket then connects to.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, hostOf, isPublicAddress, WebhookUrlRefused } from './webhook-url.policy';

export const WEBHOOK_TIMEOUT_MS = 15_000;
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface SendResult {
  ok: boolean;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
  /** The connection was refused by the address rules: nothing was sent. */
  refused: boolean;
}

export interface SendOptions {
  allowPrivateUrls: boolean;
  timeoutMs?: number;
  /**
   * Keep-alive agents for several sends to one endpoint (a batch): its connections are reused.
   * A reused connection goes to the address checked when it was opened. Without: one connection
   * per send.
   */
  agents?: SendAgents;
}

export interface SendAgents {
  http: HttpAgent;
  https: HttpsAgent;
}

/** Agents for one batch to one endpoint: up to `sockets` connections, kept open between sends. */
export function keepAliveAgents(sockets: number): SendAgents & { destroy(): void } {
  const http = new HttpAgent({ keepAlive: true, maxSockets: sockets });
  const https = new HttpsAgent({ keepAlive: true, maxSockets: sockets });
  return { http, https, destroy: () => (http.destroy(), https.destroy()) };
}

export async function sendWebhook(rawUrl: string, headers: Record<string, string>, body: string, options: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const failed = (error: string, httpStatus: number | null = null, refused = false): SendResult => ({ ok: false, httpStatus, error, durationMs: elapsed(), refused });
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return failed('url is not an absolute URL', null, true);
  }
  const host = hostOf(url);
  if (!options.allowPrivateUrls && isIP(host) && !isPublicAddress(host)) {
    return failed(`refused: ${host} is a loopback, private or link-local address`, null, true);
  }
  const request = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : null;
  if (!request) return failed(`refused: ${url.protocol} is not http or https`, null, true);
  const agent = options.agents ? (url.protocol === 'https:' ? options.agents.https : options.agents.http) : false;

  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'referral-payments-webhooks/1',
        },
        agent,
        ...(options.allowPrivateUrls ? {} : { lookup: guardedLookup }),
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          // The answer's body is only evidence for the log: stop reading once we have enough.
          if (read > MAX_RESPONSE_BYTES) res.destroy();
        });
        const done = () =>
          finish(
            status >= 200 && status < 300
              ? { ok: true, httpStatus: status, error: null, durationMs: elapsed(), refused: false }
              : failed(status >= 300 && status < 400 ? `redirect (${status}) not followed` : `HTTP ${status}`, status),
          );
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
    const timer = setTimeout(() => {
      req.destroy();
      finish(failed(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      const refused = error instanceof WebhookUrlRefused || error.code === 'EWEBHOOKADDRESS';
      finish(failed(refused ? `refused: ${error.message}` : `${error.code ?? 'error'}: ${error.message}`, null, refused));
    });
    req.end(body);
  });
}
