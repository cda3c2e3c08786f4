// A plain node:http client for the security tests: sends exactly the method, path, headers and
// body it is given (no URL normalisation, no JSON encoding), and copes with event streams, which
// never end, by reading only the head of the answer.
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export function rawRequest(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body);
    const outgoing = request({ host: hostname, port: Number(port), method: req.method, path: req.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      const finish = () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      };
      if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        // The stream stays open: its status and headers are the answer.
        res.destroy();
        finish();
        return;
      }
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', finish);
      res.on('error', reject);
    });
    outgoing.setTimeout(req.timeoutMs ?? 10_000, () => outgoing.destroy(new Error(`no answer to ${req.method} ${req.path} within ${req.timeoutMs ?? 10_000} ms`)));
    outgoing.on('error', reject);
    if (req.body !== undefined) outgoing.write(req.body);
    outgoing.end();
  });
}

/** The same request as JSON with an API key, for fixtures. */
export function jsonRequest(method: string, path: string, body: unknown, apiKey?: string): RawRequest {
  const headers: Record<string, string> = {};
  if (apiKey) headers['X-API-Key'] = apiKey;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return { method, path, headers, body: body === undefined ? undefined : JSON.stringify(body) };
}
