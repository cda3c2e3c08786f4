// The sender against real local servers: the timeout, the bounded read, no redirects.
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_RESPONSE_BYTES, sendWebhook } from './webhook-sender';

describe('sendWebhook', () => {
  let server: Server;
  let base: string;
  let bytesWritten = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      if (req.url === '/hang') return; // never answers
      if (req.url === '/huge') {
        res.writeHead(200);
        const chunk = Buffer.alloc(16 * 1024, 'x');
        const pump = () => {
          while (bytesWritten < 50 * 1024 * 1024 && res.write(chunk)) bytesWritten += chunk.length;
          if (bytesWritten < 50 * 1024 * 1024) res.once('drain', pump);
          else res.end();
        };
        res.on('close', () => res.removeAllListeners('drain'));
        return pump();
      }
      if (req.url === '/moved') return res.writeHead(307, { location: '/ok' }).end();
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const send = (path: string, timeoutMs?: number) => sendWebhook(`${base}${path}`, { 'webhook-id': 'e' }, '{}', { allowPrivateUrls: true, timeoutMs });

  it('counts a 2xx as success', async () => {
    expect(await send('/ok')).toMatchObject({ ok: true, httpStatus: 204, error: null, refused: false });
  });

  it('gives up at the timeout', async () => {
    const result = await send('/hang', 300);
    expect(result).toMatchObject({ ok: false, httpStatus: null, error: 'timed out after 300 ms' });
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(2000);
  });

  it('stops reading a long answer after its first 64 KiB', async () => {
    const result = await send('/huge');
    expect(result).toMatchObject({ ok: true, httpStatus: 200 });
    // The server could push no more than what fits in the socket buffers once we stopped reading.
    expect(bytesWritten).toBeLessThan(50 * 1024 * 1024);
    expect(MAX_RESPONSE_BYTES).toBe(65536);
  });

  it('does not follow a redirect', async () => {
    expect(await send('/moved')).toMatchObject({ ok: false, httpStatus: 307, error: 'redirect (307) not followed' });
  });

  it('refuses a private literal before opening a socket unless allowed', async () => {
    const result = await sendWebhook('http://10.0.0.1/x', {}, '{}', { allowPrivateUrls: false });
    expect(result).toMatchObject({ ok: false, refused: true, httpStatus: null, error: 'refused: 10.0.0.1 is a loopback, private or link-local address' });
  });
});
