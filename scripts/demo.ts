// `npm run demo`: walks one referral through the whole workflow against a running service in
// simulator mode, printing each step, then the payment's timeline and the stats.
//   DEMO_BASE_URL (default http://127.0.0.1:3000), DEMO_STAFF_KEY, DEMO_ADMIN_KEY (the dev keys).

const BASE_URL = (process.env.DEMO_BASE_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
const STAFF_KEY = process.env.DEMO_STAFF_KEY ?? 'dev-staff-key';
const ADMIN_KEY = process.env.DEMO_ADMIN_KEY ?? 'dev-admin-key';
const PHONE = '0708374149';
const PAYMENT_TIMEOUT_MS = Number(process.env.DEMO_TIMEOUT_MS ?? 60_000);

interface Payment {
  id: string;
  referralId: string;
  phoneNumber: string;
  amount: number;
  status: 'pending' | 'completed' | 'failed';
  stkRequestId: string | null;
  mpesaTransactionId: string | null;
  resultCode: string | null;
  resultDesc: string | null;
  errorMessage: string | null;
  events?: { at: string; type: string; fromStatus: string | null; toStatus: string | null; source: string }[];
}

class DemoError extends Error {}

const tty = process.stdout.isTTY === true;
const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
const green = (s: string) => (tty ? `\x1b[32m${s}\x1b[0m` : s);
const red = (s: string) => (tty ? `\x1b[31m${s}\x1b[0m` : s);

let stepNumber = 0;
function step(title: string): void {
  stepNumber += 1;
  console.log(`\n${bold(`${stepNumber}. ${title}`)}`);
}
function detail(text: string): void {
  console.log(`   ${text}`);
}

async function call<T>(method: string, path: string, key: string | null, body?: object): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${BASE_URL}${path}`, {
      method,
      headers: { ...(key ? { 'X-API-Key': key } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
    throw new DemoError(`The service is not reachable at ${BASE_URL} (${reason}). Start it with \`npm start\`, or set DEMO_BASE_URL.`);
  }
  const text = await response.text();
  const parsed: unknown = text ? safeJson(text) : null;
  if (response.status === 401 || response.status === 403) {
    throw new DemoError(`${method} ${path} answered ${response.status}: the API key was refused. Set DEMO_STAFF_KEY and DEMO_ADMIN_KEY to the service's keys.`);
  }
  if (!response.ok) {
    const message = (parsed as { message?: string } | null)?.message ?? text.slice(0, 200);
    throw new DemoError(`${method} ${path} answered ${response.status}: ${message}`);
  }
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function checkService(): Promise<void> {
  step(`Checking the service at ${BASE_URL}`);
  await call('GET', '/health/live', null);
  // The simulator answers only in simulator mode: the demo must never prompt a real phone.
  const probe = await fetch(`${BASE_URL}/simulator/scenarios`, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
  if (!probe || probe.status !== 200) {
    throw new DemoError(
      `The service at ${BASE_URL} is not in simulator mode (GET /simulator/scenarios answered ${probe?.status ?? 'nothing'}). ` +
        'The demo only runs against the Daraja simulator (MPESA_ENV=simulator, the default).',
    );
  }
  detail(green('up, in simulator mode'));
}

async function waitForMpesa(referralId: string): Promise<Payment> {
  step('Waiting for M-Pesa (the simulator plays the customer entering the PIN)');
  const started = Date.now();
  const seen = new Set<string>();
  let dots = 0;
  let payment: Payment | null = null;
  const progress = (text: string) => {
    if (tty) process.stdout.write(`\r\x1b[K   ${text}`);
  };
  while (Date.now() - started < PAYMENT_TIMEOUT_MS) {
    const payments = await call<Payment[]>('GET', `/api/referrals/${referralId}/payments`, STAFF_KEY);
    if (payments.length > 0) {
      payment = await call<Payment>('GET', `/api/payments/${payments[0].id}`, STAFF_KEY);
      for (const event of payment.events ?? []) {
        const key = `${event.at}|${event.type}`;
        if (seen.has(key)) continue;
        seen.add(key);
        progress('');
        detail(`${elapsed(started)}  ${describeEvent(event)}`);
      }
      if (payment.status !== 'pending') {
        progress('');
        return payment;
      }
    }
    dots += 1;
    if (tty) progress(`${'.'.repeat((dots % 3) + 1).padEnd(3)} ${elapsed(started)} waiting for the customer`);
    else if (dots % 4 === 0) detail(`... ${elapsed(started)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  progress('');
  throw new DemoError(
    `No M-Pesa result after ${PAYMENT_TIMEOUT_MS / 1000} s (payment ${payment?.id ?? 'not even created'}). Is a worker running (PROCESS_ROLE=all or a worker process)?`,
  );
}

function elapsed(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1).padStart(5)} s`;
}

function describeEvent(event: { type: string; fromStatus: string | null; toStatus: string | null; source: string }): string {
  const change = event.fromStatus || event.toStatus ? ` ${event.fromStatus ?? '∅'} → ${event.toStatus ?? event.fromStatus}` : '';
  return `${event.type}${change} ${dim(`(by ${event.source})`)}`;
}

async function main(): Promise<void> {
  console.log(bold('Referral payments: one referral from creation to paid'));
  await checkService();

  step('Creating a referral (staff)');
  const referral = await call<{ id: string; status: string; amount: number }>('POST', '/api/referrals', STAFF_KEY, {
    patientName: 'Amina Wanjiru',
    patientPhone: PHONE,
    referringFacility: 'Kibera Health Centre',
    receivingFacility: 'Kenyatta National Hospital',
    reason: 'Demo referral',
  });
  detail(`referral ${bold(referral.id)}: ${referral.status}, fee KES ${referral.amount.toLocaleString('en-US')}`);

  step('Approving it (admin)');
  const approved = await call<{ status: string }>('PATCH', `/api/referrals/${referral.id}/status`, ADMIN_KEY, { status: 'awaiting-biodata' });
  detail(`status: ${approved.status}`);

  step(`Biodata complete: moving to pending-payment with M-Pesa number ${PHONE}`);
  const pending = await call<{ status: string; stkPhoneNumber: string }>('PATCH', `/api/referrals/${referral.id}/status`, STAFF_KEY, {
    status: 'pending-payment',
    stkPhoneNumber: PHONE,
  });
  detail(`status: ${pending.status}; the STK push to ${pending.stkPhoneNumber} starts by itself`);

  const payment = await waitForMpesa(referral.id);
  if (payment.status !== 'completed') {
    throw new DemoError(`The payment ${payment.status}: ${payment.errorMessage ?? payment.resultDesc ?? 'no reason given'}`);
  }
  const paid = await call<{ status: string; paidAt: string; stkSentCount: number }>('GET', `/api/referrals/${referral.id}`, STAFF_KEY);
  step('Paid');
  detail(green(`payment ${payment.id} completed, M-Pesa receipt ${payment.mpesaTransactionId}`));
  detail(`referral: ${paid.status} at ${paid.paidAt}, STK pushes sent: ${paid.stkSentCount}`);

  step('The payment\'s timeline');
  const full = await call<Payment>('GET', `/api/payments/${payment.id}`, STAFF_KEY);
  for (const event of full.events ?? []) detail(`${event.at}  ${describeEvent(event)}`);

  step('Payment stats (admin)');
  const stats = await call<{ total: number; pending: number; completed: number; failed: number; totalAmount: number; successRate: number }>(
    'GET',
    '/api/payments/stats',
    ADMIN_KEY,
  );
  detail(`total ${stats.total}, pending ${stats.pending}, completed ${stats.completed}, failed ${stats.failed}`);
  detail(`collected KES ${stats.totalAmount.toLocaleString('en-US')}, success rate ${(stats.successRate * 100).toFixed(1)}%`);
  console.log(`\nWatch it live: ${BASE_URL}/dashboard (admin key), or curl -N -H 'X-API-Key: ${STAFF_KEY}' ${BASE_URL}/api/payments/events`);
}

main().catch((error: unknown) => {
  if (error instanceof DemoError) {
    console.error(`\n${red('Demo failed:')} ${error.message}`);
  } else {
    console.error('\nDemo failed unexpectedly:', error);
  }
  process.exit(1);
});
