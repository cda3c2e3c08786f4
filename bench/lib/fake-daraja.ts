// A bare Daraja for the push benchmark's BENCH_DARAJA=fake runs: node:http, a token, and every STK
// push accepted at once with Daraja's five string fields (as the push peer's fake Daraja does), in
// its own process so that its CPU is counted apart from the service's. The default runs use the
// service's simulator, inside the API process, through the whole Nest stack.
// Started with fork(); answers {port} once listening.
import { randomUUID } from 'node:crypto';
import http from 'node:http';

let seq = 0;
const send = (res: http.ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

const server = http.createServer((req, res) => {
  let data = '';
  req.on('data', (chunk: Buffer) => (data += chunk.toString()));
  req.on('end', () => {
    if (req.url?.includes('/oauth/v1/generate')) return send(res, 200, { access_token: randomUUID(), expires_in: '3599' });
    if (req.method !== 'POST' || !req.url?.endsWith('/mpesa/stkpush/v1/processrequest')) return send(res, 404, {});
    let push: { PhoneNumber?: string; Amount?: number } | null;
    try {
      push = JSON.parse(data) as { PhoneNumber?: string; Amount?: number } | null;
    } catch {
      push = null;
    }
    if (!push?.PhoneNumber || !push.Amount) return send(res, 400, { errorCode: '400.002.02', errorMessage: 'Bad Request' });
    const n = ++seq;
    send(res, 200, {
      MerchantRequestID: `${process.pid}-${n}-1`,
      CheckoutRequestID: `ws_CO_${Date.now()}${process.pid}${n}`,
      ResponseCode: '0',
      ResponseDescription: 'Success. Request accepted for processing',
      CustomerMessage: 'Success. Request accepted for processing',
    });
  });
});

server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as { port: number }).port }));
process.once('disconnect', () => server.close(() => process.exit(0)));
