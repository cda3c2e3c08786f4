// What the service answers while Redis or Postgres is down, and once it is back: a request that
// needs the missing server answers 503 quickly, one that does not still works (reads from Postgres
// while Redis is down) without hanging, and after the server's return everything works again
// without a restart.
import { ADMIN_KEY, call } from './http-client';

export type Server = 'redis' | 'postgres';
export type Phase = 'down' | 'recovered';

export interface ProbeResult {
  phase: Phase;
  server: Server;
  process: string;
  name: string;
  status: number;
  ms: number;
  expected: number[];
  ok: boolean;
  error?: string;
}

interface Endpoint {
  name: string;
  baseUrl: string;
}

export interface ProbeSetup {
  apis: Endpoint[];
  workers: Endpoint[];
  /** a referral that exists, to read */
  knownReferralId: string;
  callbackPath: string;
  /** a 503 for a server that is down must come within this */
  quickMs: number;
  /** any other answer within this: slower counts as hanging (the machine may be busy, so not tight) */
  noHangMs: number;
  /** moves a spare referral to pending-payment through this API: a payment starts */
  startPayment: (baseUrl: string) => Promise<{ status: number; ms: number; error?: string }>;
}

interface Probe {
  name: string;
  expected: number[];
  run: (baseUrl: string) => Promise<{ status: number; ms: number; error?: string }>;
}

/** A failure callback for a CheckoutRequestID nobody knows: stored (and left unmatched) or refused. */
function strayCallback() {
  return {
    Body: {
      stkCallback: {
        MerchantRequestID: 'probe-merchant',
        CheckoutRequestID: `ws_CO_probe_${Date.now()}`,
        ResultCode: 1032,
        ResultDesc: 'Request cancelled by user',
      },
    },
  };
}

export class OutageProbes {
  readonly results: ProbeResult[] = [];

  constructor(private readonly setup: ProbeSetup) {}

  private get(path: string, opts: { key?: string | null; headersOnly?: boolean } = {}) {
    return (baseUrl: string) => call(baseUrl, 'GET', path, { key: opts.key === undefined ? ADMIN_KEY : opts.key, timeoutMs: 10_000, headersOnly: opts.headersOnly });
  }

  private apiProbes(server: Server, phase: Phase): Probe[] {
    const s = this.setup;
    const readiness: Probe = { name: 'GET /health/ready', expected: [phase === 'down' ? 503 : 200], run: this.get('/health/ready', { key: null }) };
    const reads: Probe[] = [
      { name: 'GET /api/referrals/:id (Postgres)', expected: [], run: this.get(`/api/referrals/${s.knownReferralId}`) },
      { name: 'GET /api/payments/stats (Postgres)', expected: [], run: this.get('/api/payments/stats') },
      { name: 'GET /api/payments?limit=5 (Postgres)', expected: [], run: this.get('/api/payments?limit=5') },
    ];
    const redisOnes: Probe[] = [
      { name: 'GET /admin/queues/api/queues (Redis)', expected: [], run: this.get('/admin/queues/api/queues') },
      // A stream that already holds a subscription stays open (and sends `resync` once Redis is back).
      { name: 'GET /api/payments/events (Redis)', expected: [], run: this.get('/api/payments/events', { headersOnly: true }) },
    ];
    if (server === 'redis') {
      return [
        readiness,
        ...reads.map((p) => ({ ...p, expected: [200] })),
        // Needs Postgres only: the push is owed in the payment row, and the sweeper publishes it later.
        { name: 'PATCH referral to pending-payment (starts a payment)', expected: [200], run: s.startPayment },
        { ...redisOnes[0], expected: [phase === 'down' ? 503 : 200] },
        { ...redisOnes[1], expected: phase === 'down' ? [503, 200] : [200] },
      ];
    }
    const needsPg = phase === 'down' ? [503] : [200];
    return [
      readiness,
      { name: 'GET /health/live', expected: [200], run: this.get('/health/live', { key: null }) },
      ...reads.map((p) => ({ ...p, expected: needsPg })),
      {
        name: 'POST /api/referrals (Postgres)',
        expected: phase === 'down' ? [503] : [201],
        run: (baseUrl) => call(baseUrl, 'POST', '/api/referrals', { body: { patientName: 'Outage Probe' }, timeoutMs: 10_000 }),
      },
      {
        name: 'POST M-Pesa callback (Postgres)',
        expected: phase === 'down' ? [503] : [200],
        run: (baseUrl) => call(baseUrl, 'POST', s.callbackPath, { key: null, body: strayCallback(), timeoutMs: 10_000 }),
      },
    ];
  }

  private async runAll(server: Server, phase: Phase): Promise<ProbeResult[]> {
    const batch: ProbeResult[] = [];
    const record = (process: string, probe: Probe, answer: { status: number; ms: number; error?: string }) => {
      const limitMs = answer.status === 503 ? this.setup.quickMs : this.setup.noHangMs;
      const ok = probe.expected.includes(answer.status) && answer.ms < limitMs;
      batch.push({ phase, server, process, name: probe.name, status: answer.status, ms: answer.ms, expected: probe.expected, ok, ...(answer.error ? { error: answer.error } : {}) });
    };
    for (const api of this.setup.apis) {
      for (const probe of this.apiProbes(server, phase)) record(api.name, probe, await probe.run(api.baseUrl));
    }
    const workerReady: Probe = { name: 'GET /health/ready (worker)', expected: [phase === 'down' ? 503 : 200], run: this.get('/health/ready', { key: null }) };
    for (const worker of this.setup.workers) record(worker.name, workerReady, await workerReady.run(worker.baseUrl));
    this.results.push(...batch);
    return batch;
  }

  whileDown(server: Server): Promise<ProbeResult[]> {
    return this.runAll(server, 'down');
  }

  afterRecovery(server: Server): Promise<ProbeResult[]> {
    return this.runAll(server, 'recovered');
  }
}
