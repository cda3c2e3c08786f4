import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppConfig } from '../config/app-config';
import { DarajaHttpTransport, DarajaTransportError, toTransportError } from './daraja-http.transport';

const fetchFailure = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });

describe('toTransportError', () => {
  it.each([
    ['ECONNREFUSED', false],
    ['ENOTFOUND', false],
    ['UND_ERR_CONNECT_TIMEOUT', false],
    ['ECONNRESET', true],
    ['UND_ERR_SOCKET', true],
    ['EPIPE', true],
  ])('%s means sent=%s', (code, sent) => {
    const error = toTransportError(fetchFailure(Object.assign(new Error(code), { code })));
    expect(error).toMatchObject({ code, sent });
  });

  it('counts a timeout as possibly sent', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(toTransportError(timeout)).toMatchObject({ code: 'TIMEOUT', sent: true });
  });

  it('finds the code inside happy-eyeballs aggregate errors', () => {
    const aggregate = new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })], 'connect failed');
    expect(toTransportError(fetchFailure(aggregate))).toMatchObject({ code: 'ECONNREFUSED', sent: false });
  });

  it('treats an unknown failure as possibly sent', () => {
    expect(toTransportError(new Error('weird'))).toEqual(expect.objectContaining({ code: 'NETWORK_ERROR', sent: true }));
    expect(toTransportError(new Error('weird'))).toBeInstanceOf(DarajaTransportError);
  });
});

describe('DarajaHttpTransport against a local server', () => {
  let server: Server;
  let baseUrl: string;
  const transport = (timeoutMs = 300) => new DarajaHttpTransport({ mpesa: { baseUrl, timeoutMs } } as AppConfig);

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/json') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, headers: req.headers }));
      else if (req.url === '/text') res.writeHead(200).end('not json');
      else if (req.url === '/missing') res.writeHead(404).end('no');
      // Headers at once, the body never: the timeout must cover the body too.
      else if (req.url === '/stall-body') res.writeHead(200, { 'content-length': '100' }).write('{"a":');
      // The request was read, then the connection dropped: it may have been acted on.
      else if (req.url === '/reset') req.socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends JSON with its headers and parses the answer', async () => {
    const http = transport();
    const { status, body } = await http.send('POST', '/json', { Authorization: 'Bearer t' }, { x: 1 });
    expect(status).toBe(200);
    expect(body).toMatchObject({ method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json', authorization: 'Bearer t' } });
    await expect(http.send('GET', '/text', {})).resolves.toEqual({ status: 200, body: null });
    await http.onApplicationShutdown();
  });

  it('times out on a body that never ends, as possibly sent', async () => {
    const started = Date.now();
    await expect(transport(200).send('GET', '/stall-body', {})).rejects.toMatchObject({ code: 'TIMEOUT', sent: true });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reports a connection dropped after sending as possibly sent', async () => {
    const error = await transport().send('POST', '/reset', {}, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DarajaTransportError);
    expect(error).toMatchObject({ sent: true });
  });

  it('reports a refused connection as not sent', async () => {
    const http = new DarajaHttpTransport({ mpesa: { baseUrl: 'http://127.0.0.1:1', timeoutMs: 1_000 } } as AppConfig);
    await expect(http.send('GET', '/json', {})).rejects.toMatchObject({ code: 'ECONNREFUSED', sent: false });
  });

  it('reports a request after shutdown as not sent', async () => {
    const http = transport();
    await http.onApplicationShutdown();
    await expect(http.send('GET', '/json', {})).rejects.toMatchObject({ code: 'CLOSED', sent: false });
  });

  it('getText throws for a non-2xx answer', async () => {
    const http = transport();
    await expect(http.getText('/text')).resolves.toBe('not json');
    await expect(http.getText('/missing')).rejects.toThrow('GET /missing answered HTTP 404');
  });
});
