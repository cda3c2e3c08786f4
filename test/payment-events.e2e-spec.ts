// GET /api/payments/events: changes made in any process reach a stream on an API process, after
// their commit, filtered by referral, with heartbeats; and only with a key.
import { paymentFlow } from './support/payment-flow';
import { ADMIN_KEY, STAFF_KEY, startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { startWorkerProcess, WorkerProcess } from './support/worker-process';

interface Frame {
  event: string | null;
  data: string | null;
  retry: number | null;
  comments: string[];
}

interface PaymentFrameData {
  id: string;
  referralId: string;
  status: string;
  mpesaTransactionId: string | null;
  type: string;
  source: string;
  fromStatus: string | null;
  toStatus: string | null;
  at: string;
}

/** A minimal SSE reader over fetch, as a browser's dashboard reads it (headers, no EventSource). */
async function openStream(baseUrl: string, key: string | null, query = '') {
  const abort = new AbortController();
  const response = await fetch(`${baseUrl}/api/payments/events${query}`, {
    headers: key ? { 'X-API-Key': key } : {},
    signal: abort.signal,
  });
  const frames: Frame[] = [];
  let ended = false;
  const reading = (async () => {
    if (!response.ok || !response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame: Frame = { event: null, data: null, retry: null, comments: [] };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) frame.comments.push(line.slice(1).trim());
            else if (line.startsWith('event:')) frame.event = line.slice(6).trim();
            else if (line.startsWith('data:')) frame.data = (frame.data === null ? '' : frame.data + '\n') + line.slice(5).trim();
            else if (line.startsWith('retry:')) frame.retry = Number(line.slice(6).trim());
          }
          frames.push(frame);
        }
      }
    } catch {
      // aborted by close()
    } finally {
      ended = true;
    }
  })();
  const payments = () =>
    frames.filter((f) => f.event === 'payment' && f.data !== null).map((f) => JSON.parse(f.data as string) as PaymentFrameData);
  return {
    response,
    frames,
    payments,
    ended: () => ended,
    waitForPayment: (predicate: (p: PaymentFrameData) => boolean, what: string, timeoutMs = 20_000) =>
      waitFor(async () => payments().find(predicate), what, timeoutMs, 25),
    close: async () => {
      abort.abort();
      await reading;
    },
  };
}

type Stream = Awaited<ReturnType<typeof openStream>>;

describe('GET /api/payments/events', () => {
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;
  let worker: WorkerProcess | undefined;
  const streams: Stream[] = [];
  const open = async (...args: Parameters<typeof openStream>) => {
    const stream = await openStream(...args);
    streams.push(stream);
    return stream;
  };

  beforeAll(async () => {
    // The API alone: every change a worker makes happens in the child process below.
    t = await startTestApp({ role: 'api', env: { SIMULATOR_CALLBACK_DELAY_MS: '300', SSE_HEARTBEAT_MS: '200', RECONCILE_FIRST_QUERY_S: '3600' } });
    flow = paymentFlow(t);
    worker = await startWorkerProcess(t, { RECONCILE_FIRST_QUERY_S: '3600' });
  });
  afterAll(async () => {
    await Promise.all(streams.map((s) => s.close()));
    await worker?.kill();
    await t.close();
  });

  it('answers 401 without a key or with an unknown one, 400 for a bad referralId', async () => {
    const none = await fetch(`${t.baseUrl}/api/payments/events`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
    const unknown = await fetch(`${t.baseUrl}/api/payments/events`, { headers: { 'X-API-Key': 'not-a-key' } });
    expect(unknown.status).toBe(401);
    const bad = await fetch(`${t.baseUrl}/api/payments/events?referralId=nope`, { headers: { 'X-API-Key': STAFF_KEY } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('is an event stream for staff and for a Bearer key, not taken for GET /api/payments/:id', async () => {
    const stream = await open(t.baseUrl, STAFF_KEY);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.response.headers.get('cache-control')).toContain('no-cache');
    await waitFor(async () => stream.frames.length > 0, 'the first frame');
    expect(stream.frames[0].retry).toBeGreaterThan(0);
    await stream.close();

    const bearer = await fetch(`${t.baseUrl}/api/payments/events`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
    expect(bearer.status).toBe(200);
    await bearer.body?.cancel();
  });

  it('relays the worker process changes and the callback, each with the payment as it now is', async () => {
    const stream = await open(t.baseUrl, STAFF_KEY);
    const referralId = await flow.referralInPendingPayment('0708374149');

    const created = await stream.waitForPayment((p) => p.referralId === referralId && p.type === 'created', 'the created event');
    expect(created).toMatchObject({ source: 'api', fromStatus: null, toStatus: 'pending', referralId });

    // Made by the worker, which runs in another process: it came through Redis.
    const accepted = await stream.waitForPayment((p) => p.referralId === referralId && p.type === 'push-accepted', 'the push-accepted event');
    expect(accepted.source).toBe('worker');

    const completed = await stream.waitForPayment((p) => p.referralId === referralId && p.toStatus === 'completed', 'the completion');
    expect(completed).toMatchObject({ id: created.id, status: 'completed', fromStatus: 'pending', source: 'callback' });
    expect(completed.mpesaTransactionId).toMatch(/^[A-Z0-9]{10}$/);
    expect(new Date(completed.at).toISOString()).toBe(completed.at);

    // Every change of the history was streamed, once. (Changes made in different processes a few
    // milliseconds apart may arrive in either order; each frame carries the payment as it is then.)
    const history = (await flow.payment(created.id)).events!.map((e) => e.type);
    const streamed = () => stream.payments().filter((p) => p.id === created.id).map((p) => p.type);
    await waitFor(async () => streamed().length >= history.length, 'every event of the payment');
    expect([...streamed()].sort()).toEqual([...history].sort());
  });

  it('sends only the chosen referral to a filtered client', async () => {
    const first = await flow.referralInPendingPayment('0708374149');
    await flow.finalPayment((await flow.onlyPayment(first)).id);
    const filtered = await open(t.baseUrl, STAFF_KEY, `?referralId=${first}`);
    const everything = await open(t.baseUrl, ADMIN_KEY);

    const other = await flow.referralInPendingPayment('254700000102'); // the customer cancels
    const failed = await everything.waitForPayment((p) => p.referralId === other && p.toStatus === 'failed', 'the other referral failing');
    expect(failed.status).toBe('failed');

    // The first referral is paid: change its payment by hand.
    const payment = await flow.onlyPayment(first);
    await flow.http.post('/api/update-payment-status', { paymentId: payment.id, status: 'failed', reason: 'reversed at the bank' }, 'admin').expect(200);
    const reversed = await filtered.waitForPayment((p) => p.id === payment.id && p.toStatus === 'failed', 'the manual change');
    expect(reversed).toMatchObject({ source: 'admin', fromStatus: 'completed', referralId: first });
    await everything.waitForPayment((p) => p.id === payment.id && p.toStatus === 'failed', 'the manual change, unfiltered');

    expect(filtered.payments().length).toBeGreaterThan(0);
    expect(filtered.payments().every((p) => p.referralId === first)).toBe(true);
    expect(everything.payments().some((p) => p.referralId === other)).toBe(true);
  });

  it('keeps an idle stream alive with heartbeat comments', async () => {
    const stream = await open(t.baseUrl, STAFF_KEY, `?referralId=${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`);
    await waitFor(async () => stream.frames.filter((f) => f.comments.includes('ping')).length >= 3, 'three heartbeats', 5_000);
    expect(stream.payments()).toEqual([]);
  });

  it('ends the streams when the app shuts down', async () => {
    const other = await startTestApp({ role: 'api' });
    const stream = await openStream(other.baseUrl, STAFF_KEY);
    await waitFor(async () => stream.frames.length > 0, 'the first frame');
    await other.close();
    await waitFor(async () => stream.ended(), 'the stream to end', 5_000);
  });
});
