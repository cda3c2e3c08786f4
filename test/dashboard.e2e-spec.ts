// The payments dashboard in a real browser (Debian's Chromium through playwright-core): it shows
// the stats, the chart of the last 30 days and 48 hours, the pending payments with their patients,
// the money to review (attached and dismissed in place), updates live when a payment completes,
// and refuses a wrong key.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Page code is passed as strings: the test project is compiled without the DOM types.
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DarajaClient } from '../src/mpesa/daraja.client';
import { DEV_CALLBACK_PATH, successCallback } from './support/callbacks';
import { paymentFlow } from './support/payment-flow';
import { paidInRows, settlementRow, statementCsv } from './support/statement-file';
import { waitFor } from './support/wait-for';
import { ADMIN_KEY, STAFF_KEY, startTestApp, TestApp } from './support/test-app';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const ARTIFACTS = join(__dirname, '..', 'test-artifacts');

describe('Payments dashboard (/dashboard)', () => {
  let t: TestApp;
  let flow: ReturnType<typeof paymentFlow>;
  let profile: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`);
    t = await startTestApp({
      role: 'all',
      // Sweeps every second: a callback no push of ours was answered with is confirmed (STK Push Query) at once.
      env: { SIMULATOR_CALLBACK_DELAY_MS: '1500', RECONCILE_FIRST_QUERY_S: '3600', RECONCILE_INTERVAL_S: '1', SSE_HEARTBEAT_MS: '1000' },
    });
    flow = paymentFlow(t);
    profile = mkdtempSync(join(tmpdir(), 'rp-dashboard-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
  });
  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await t?.close();
  });

  async function newPage(): Promise<Page> {
    const page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    return page;
  }

  async function signIn(page: Page, key: string): Promise<void> {
    await page.goto(`${t.baseUrl}/dashboard`);
    await page.locator('#key-input').fill(key);
    await page.locator('#key-submit').click();
  }

  /** A referral in pending-payment whose push Daraja accepted; the payment it has. */
  async function acceptedPayment(phone: string, amount: number, patientName: string) {
    const referralId = await flow.referralInPendingPayment(phone, { amount, patientName });
    const payment = await waitFor(async () => {
      const p = await flow.onlyPayment(referralId);
      return p.stkRequestId ? p : null;
    }, 'the push to be accepted');
    return { referralId, payment };
  }

  /**
   * Money M-Pesa took under a CheckoutRequestID Daraja issued but no push of ours received (another
   * till's push, say): confirmed by an STK Push Query, and no payment could have sent it. Waits
   * until its receipt is `unmatched`.
   */
  async function unmatchedReceipt(phone: string, amount: number, receipt: string): Promise<void> {
    const answer = await t.app.get(DarajaClient).stkPush({ phoneNumber: phone, amount, accountReference: 'ELSEWHERE', transactionDesc: 'Fee', callbackUrl: 'http://127.0.0.1:9/elsewhere' });
    if (answer.kind !== 'accepted') throw new Error(`the simulator refused the push: ${JSON.stringify(answer)}`);
    await flow.http.raw.post(DEV_CALLBACK_PATH).send(successCallback(answer.checkoutRequestId, amount, phone, receipt)).expect(200);
    await waitFor(async () => (await receiptState(receipt)) === 'unmatched', `${receipt} to be unmatched`, 20_000);
  }

  async function receiptState(receipt: string): Promise<string> {
    return (await flow.http.get(`/api/receipts/${receipt}`, 'admin')).body.state as string;
  }

  async function paidReferral(amount: number): Promise<string> {
    const id = await flow.referralInPendingPayment('0708374149', { amount });
    await flow.finalPayment((await flow.onlyPayment(id)).id);
    return id;
  }

  it('is a public page with its own script and stylesheet', async () => {
    const page = await flow.http.raw.get('/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('/dashboard/dashboard.js');
    await flow.http.raw.get('/dashboard/dashboard.js').expect(200).expect('content-type', /javascript/);
    await flow.http.raw.get('/dashboard/dashboard.css').expect(200).expect('content-type', /css/);
  });

  it('refuses a wrong key and a key without the admin role, showing no data', async () => {
    const page = await newPage();
    await signIn(page, 'not-a-real-key');
    await expectRefusal(page, /refused \(401/);
    await page.locator('#key-input').fill(STAFF_KEY);
    await page.locator('#key-submit').click();
    await expectRefusal(page, /not an admin key \(403/);
    await page.close();

    async function expectRefusal(p: Page, message: RegExp): Promise<void> {
      await p.locator('#key-error').waitFor({ state: 'visible' });
      expect(await p.locator('#key-error').textContent()).toMatch(message);
      expect(await p.locator('#dashboard').isHidden()).toBe(true);
      expect(await p.locator('#stat-total').textContent()).toBe('–');
      expect(await p.locator('#key-input').isVisible()).toBe(true);
      expect(await p.evaluate('[sessionStorage.length, localStorage.length]')).toEqual([0, 0]);
    }
  });

  it('shows the stats and the pending payments, keeping the key for the tab only', async () => {
    await paidReferral(12_345);
    // 254700000201: the callback never comes (and the status query is an hour away): it stays pending.
    const waiting = await flow.referralInPendingPayment('254700000201', { amount: 700, patientName: 'Wanjiku Otieno' });
    const waitingPayment = await flow.onlyPayment(waiting);

    const page = await newPage();
    await signIn(page, ADMIN_KEY);
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    await expectText(page, '#stat-total', '2');
    await expectText(page, '#stat-pending', '1');
    await expectText(page, '#stat-completed', '1');
    await expectText(page, '#stat-failed', '0');
    await expectText(page, '#stat-amount', 'KES 12,345');
    await expectText(page, '#stat-rate', '100.0%');
    const row = page.locator(`#pending-list [data-payment-id="${waitingPayment.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('254700000201');
    expect(await row.textContent()).toContain('KES 700');
    // The row names its patient (read from the referral) and its referral.
    await row.locator('.patient', { hasText: 'Wanjiku Otieno' }).waitFor();
    expect(await row.locator('.referral').textContent()).toBe(`referral ${waiting.slice(0, 8)}`);
    expect(await row.locator('.referral').getAttribute('title')).toBe(waiting);

    // The chart of the last 30 days: today's point holds both payments, the window's figures agree.
    const points = page.locator('#chart .point');
    await expectCount(page, '#chart .point', 30);
    const today = page.locator(`#chart .point[data-at="${utcDay((waitingPayment as unknown as { createdAt: string }).createdAt)}"]`);
    expect(await today.locator('.bar.amount').getAttribute('data-value')).toBe('12345');
    expect(await today.locator('.bar.completed').getAttribute('data-value')).toBe('1');
    expect(await today.locator('.bar.failed').getAttribute('data-value')).toBe('0');
    expect(await today.locator('title').textContent()).toMatch(/KES 12,345 collected · 1 completed · 0 failed · 1 pending · 100\.0% success$/);
    expect(await points.last().getAttribute('data-at')).toBe(utcDay(new Date().toISOString()));
    await expectText(page, '#chart-collected', 'KES 12,345');
    await expectText(page, '#chart-completed', '1');
    await expectText(page, '#chart-failed', '0');
    await expectText(page, '#chart-rate', '100.0%');
    await page.locator('#live[data-state="live"]').waitFor();

    // The key lives in sessionStorage only, never in the address; a reload keeps the session.
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(await page.evaluate('Object.keys(sessionStorage).map((k) => sessionStorage.getItem(k))')).toEqual([ADMIN_KEY]);
    expect(page.url()).not.toContain(ADMIN_KEY);
    await page.reload();
    await expectText(page, '#stat-total', '2');

    // The timeline of the pending payment's referral, opened from its row.
    await page.locator(`#pending-list [data-payment-id="${waitingPayment.id}"] button`).click();
    await page.locator(`#timeline [data-payment-id="${waitingPayment.id}"]`).waitFor();
    expect(await page.locator('#referral-input').inputValue()).toBe(waiting);
    await page.close();
  });

  it('shows the webhook endpoints and their latest failed deliveries', async () => {
    const endpoint = (await flow.http.post('/api/webhooks', { url: 'http://127.0.0.1:9/clinic-emr', events: ['receipt.needs_review'] }, 'admin')).body;
    // A delivery that used up its attempts (written directly: the schedule takes 27 h).
    const [event] = await t.dataSource.query(
      `INSERT INTO webhook_events (type, source_kind, source_id, payload, created_at) VALUES ('receipt.needs_review', 'payment_event', 'dashboard-test', '{}', now()) RETURNING id`,
    );
    const attempts = JSON.stringify([{ at: new Date().toISOString(), httpStatus: 500, error: 'HTTP 500', durationMs: 12 }]);
    const [delivery] = await t.dataSource.query(`INSERT INTO webhook_deliveries (endpoint_id, event_id, status, attempts) VALUES ($1, $2, 'failed', $3::jsonb) RETURNING id`, [endpoint.id, event.id, attempts]);

    const page = await newPage();
    await signIn(page, ADMIN_KEY);
    const row = page.locator(`#webhook-list [data-endpoint-id="${endpoint.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('http://127.0.0.1:9/clinic-emr');
    expect(await row.textContent()).toContain('enabled');
    const failed = row.locator(`[data-delivery-id="${delivery.id}"]`);
    await failed.waitFor();
    expect(await failed.textContent()).toContain('failed: receipt.needs_review');
    expect(await failed.textContent()).toContain('HTTP 500');
    await page.close();
    await t.dataSource.query('DELETE FROM webhook_endpoints WHERE id = $1', [endpoint.id]);
  });

  it('lists the money to review and resolves it in place: a refusal shown in its row, attach completes the payment, dismiss takes a reason', async () => {
    // 254700000201: the simulator never calls back for this phone, so the test plays the callbacks.
    const phone = '254700000201';
    const amount = 4321;
    const { referralId, payment } = await acceptedPayment(phone, amount, 'Akinyi Mwangi');
    const receipts = ['RDASH00001', 'RDASH00002'];
    for (const receipt of receipts) await unmatchedReceipt(phone, amount, receipt);

    const page = await newPage();
    await signIn(page, ADMIN_KEY);
    await expectText(page, '#stat-review', 'KES 8,642');
    await expectText(page, '#stat-refund-due', 'KES 0');
    const row = (receipt: string) => page.locator(`#receipt-list [data-receipt="${receipt}"]`);
    await row(receipts[0]).waitFor();
    expect(await row(receipts[0]).textContent()).toContain('KES 4,321');
    expect(await row(receipts[0]).locator('.badge').textContent()).toBe('unmatched');
    expect(await row(receipts[0]).locator('.reason').textContent()).toMatch(/no push of this phone and amount/);

    // A payment id that names no payment: refused, the refusal in the row, nothing changes.
    await row(receipts[0]).locator('.resolve-payment').fill('00000000-0000-4000-8000-000000000000');
    await row(receipts[0]).locator('.resolve-reason').fill('typed the wrong id');
    await row(receipts[0]).locator('button[type="submit"]').click();
    await row(receipts[0]).locator('.resolve-error').waitFor({ state: 'visible' });
    expect(await row(receipts[0]).locator('.resolve-error').textContent()).toMatch(/^NOT_FOUND: /);
    expect(await receiptState(receipts[0])).toBe('unmatched');

    // Attach: the payment completes as a success callback would complete it, and the referral is paid.
    await row(receipts[0]).locator('.resolve-payment').fill(payment.id);
    await row(receipts[0]).locator('.resolve-reason').fill('patient showed the M-Pesa SMS');
    await row(receipts[0]).locator('button[type="submit"]').click();
    await row(receipts[0]).waitFor({ state: 'detached' });
    await expectText(page, '#stat-review', 'KES 4,321');
    expect(await flow.payment(payment.id)).toMatchObject({ status: 'completed', mpesaTransactionId: receipts[0] });
    expect((await flow.http.get(`/api/referrals/${referralId}`)).body.status).toBe('paid');
    expect((await flow.http.get(`/api/receipts/${receipts[0]}`, 'admin')).body).toMatchObject({ state: 'applied', paymentId: payment.id, reason: 'patient showed the M-Pesa SMS', resolvedBy: 'admin' });

    // Dismiss, with a reason: the list is empty and nothing is left to review.
    await row(receipts[1]).locator('.resolve-action').selectOption('dismiss');
    expect(await row(receipts[1]).locator('.resolve-payment').isHidden()).toBe(true);
    await row(receipts[1]).locator('.resolve-reason').fill('refunded by the clinic in cash');
    await row(receipts[1]).locator('button[type="submit"]').click();
    await row(receipts[1]).waitFor({ state: 'detached' });
    await page.locator('#receipt-empty').waitFor({ state: 'visible' });
    await expectText(page, '#stat-review', 'KES 0');
    expect((await flow.http.get(`/api/receipts/${receipts[1]}`, 'admin')).body).toMatchObject({ state: 'dismissed', reason: 'refunded by the clinic in cash' });
    await page.close();
  });

  it('keeps a dismissed receipt off the list when a reload started before the dismissal answers after it', async () => {
    // Found by CI: a live event's reload and the form's reload overlap, and the older answer came back last.
    const phone = '254700000201';
    const amount = 2468;
    const { payment } = await acceptedPayment(phone, amount, 'Wanjiku Otieno');
    const receipt = 'RDASH00003';
    await unmatchedReceipt(phone, amount, receipt);

    const page = await newPage();
    await signIn(page, ADMIN_KEY);
    const row = page.locator(`#receipt-list [data-receipt="${receipt}"]`);
    await row.waitFor();

    // The next reload's unmatched list is read from the server at once (the receipt still in it) and
    // handed to the page only after the dismissal has been drawn.
    let holding = true;
    let markHeld!: () => void;
    let release!: () => void;
    let markDelivered!: () => void;
    const held = new Promise<void>((resolve) => (markHeld = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const delivered = new Promise<void>((resolve) => (markDelivered = resolve));
    await page.route(
      (url) => url.pathname === '/api/receipts' && url.searchParams.get('state') === 'unmatched',
      async (route) => {
        if (!holding) return route.continue();
        holding = false;
        const answer = await route.fetch();
        markHeld();
        await released;
        await route.fulfill({ response: answer });
        markDelivered();
      },
    );
    // A payment completing: its live event starts a reload, whose answer is held.
    await flow.http.raw.post(DEV_CALLBACK_PATH).send(successCallback(payment.stkRequestId!, amount, phone, 'RDASH00004')).expect(200);
    await held;

    await row.locator('.resolve-action').selectOption('dismiss');
    await row.locator('.resolve-reason').fill('paid at the desk, refunded in cash');
    await row.locator('button[type="submit"]').click();
    await row.waitFor({ state: 'detached' });
    expect(await receiptState(receipt)).toBe('dismissed');

    release();
    await delivered;
    // Time for the page to draw what it was handed.
    await page.evaluate('new Promise((resolve) => setTimeout(resolve, 300))');
    expect(await row.count()).toBe(0);
    await page.close();
  });

  it('shows the latest reconciliation report: its counts, and the lines to act on', async () => {
    const page = await newPage();
    await signIn(page, ADMIN_KEY);
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    // A statement with money no payment holds (a customer paying the paybill by hand) and a settlement row.
    const file = statementCsv({ rows: [...paidInRows('UDSH000001', '2026-06-10T07:00:00Z', '2,500.00', 'BY-HAND'), settlementRow('UDSH000002', '2026-06-11T07:00:00Z', '2,000.00')] });
    const imported = await flow.http.raw.post('/api/reconciliation/statements').set('X-API-Key', ADMIN_KEY).attach('file', file, 'june-statement.csv');
    expect(imported.status).toBe(201);
    await page.reload();
    await expectText(page, '#report-missingInOurs', String(imported.body.counts.missingInOurs));
    expect(imported.body.counts.missingInOurs).toBe(1);
    await expectText(page, '#report-ignored', String(imported.body.counts.ignored));
    expect(await page.locator('#report-meta').textContent()).toContain('june-statement.csv');
    expect(await page.locator('#report-empty').isHidden()).toBe(true);
    const line = page.locator('#report-lines [data-kind="missingInOurs"]');
    await line.waitFor();
    expect(await line.textContent()).toContain('UDSH000001');
    expect(await line.textContent()).toContain('KES 2,500');
    // The same money is in front of the admin as a receipt to attach or dismiss.
    const receipt = page.locator('#receipt-list [data-receipt="UDSH000001"]');
    await receipt.waitFor();
    expect(await receipt.textContent()).toContain('from statement');
    await page.close();
  });

  it('updates live, without reloading, when a payment completes', async () => {
    const page = await newPage();
    await signIn(page, ADMIN_KEY);
    await page.locator('#live[data-state="live"]').waitFor();
    const completedBefore = Number(await page.locator('#stat-completed').textContent());
    const amountBefore = await page.locator('#stat-amount').textContent();
    await expectCount(page, '#chart .point', 30);
    const chartCompletedBefore = Number(await page.locator('#chart-completed').textContent());
    await page.evaluate('window.notReloaded = true');

    // A referral the admin is watching, before it has any payment.
    const created = await flow.http.post('/api/referrals', { patientName: 'Amina Wanjiru', amount: 2500 }).expect(201);
    const referralId = created.body.id as string;
    await flow.http.patch(`/api/referrals/${referralId}/status`, { status: 'awaiting-biodata' }, 'admin').expect(200);
    await page.locator('#referral-input').fill(referralId);
    await page.locator('#timeline-form button[type="submit"]').click();
    await expectText(page, '#timeline-message', 'This referral has no payment yet.');

    // Biodata done: the push starts; the page sees the payment appear, then complete.
    await flow.http.patch(`/api/referrals/${referralId}/status`, { status: 'pending-payment', stkPhoneNumber: '0708374149' }).expect(200);
    const payment = await flow.onlyPayment(referralId);
    await page.locator(`#timeline [data-payment-id="${payment.id}"]`).waitFor();
    await page.locator(`#pending-list [data-payment-id="${payment.id}"]`).waitFor();

    await page.locator(`#timeline [data-payment-id="${payment.id}"][data-status="completed"]`).waitFor();
    await expectText(page, '#stat-completed', String(completedBefore + 1));
    await page.locator(`#pending-list [data-payment-id="${payment.id}"]`).waitFor({ state: 'detached' });
    expect(await page.locator('#stat-amount').textContent()).not.toBe(amountBefore);
    // The chart follows too: the completion is in the period's total and in its own day.
    await expectText(page, '#chart-completed', String(chartCompletedBefore + 1));
    const settled = (await flow.payment(payment.id)) as unknown as { createdAt: string };
    const series = (await flow.http.get('/api/payments/stats/series', 'admin').expect(200)).body as { at: string; completed: number; totalAmount: number }[];
    const itsDay = series.find((p) => p.at === utcDay(settled.createdAt))!;
    const bar = page.locator(`#chart .point[data-at="${itsDay.at}"] .bar.amount`);
    await bar.and(page.locator(`[data-value="${itsDay.totalAmount}"]`)).waitFor();
    const card = page.locator(`#timeline [data-payment-id="${payment.id}"]`);
    const events = await card.locator('.event-type').allTextContents();
    expect(events).toEqual(expect.arrayContaining(['created', 'push-accepted', 'status-changed']));
    expect(await card.textContent()).toMatch(/Receipt[A-Z0-9]{10}/);
    expect(await page.evaluate('window.notReloaded')).toBe(true);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
    // Readable on a phone: nothing wider than the screen.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.close();
  });

  it('draws KES collected and payments settled per day for 30 days and per hour for 48 hours, with the success rate', async () => {
    // Four weeks of history (SQL, through the same trigger as every payment), at 09:00 UTC onwards.
    const referralId = (await flow.http.post('/api/referrals', { patientName: 'History Patient' }).expect(201)).body.id as string;
    const todayStart = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const rows: [string, 'completed' | 'failed', number][] = [];
    for (let k = 1; k <= 29; k++) {
      const completed = 2 + ((k * 5) % 7);
      const failed = k % 4 === 0 ? 3 : k % 3;
      for (let j = 0; j < completed + failed; j++) {
        rows.push([new Date(todayStart - k * 86_400_000 + (9 + j) * 3_600_000).toISOString(), j < completed ? 'completed' : 'failed', 1000 + ((k * 13 + j * 7) % 9) * 250]);
      }
    }
    await t.dataSource.query(
      `INSERT INTO payments (referral_id, phone_number, amount, status, push_state, attempts, created_at, updated_at, completed_at)
       SELECT $1, '254708374149', r.amount, r.status, 'accepted', 1, r.at, r.at, CASE WHEN r.status = 'completed' THEN r.at END
         FROM unnest($2::timestamptz[], $3::varchar[], $4::int[]) AS r(at, status, amount)`,
      [referralId, rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
    );
    // Five days ago, by hand: 2 + (25 % 7) = 6 completed, 5 % 3 = 2 failed.
    const fiveDaysAgo = rows.filter((r) => r[0].startsWith(new Date(todayStart - 5 * 86_400_000).toISOString().slice(0, 10)));
    expect(fiveDaysAgo.map((r) => r[1])).toEqual([...Array(6).fill('completed'), 'failed', 'failed']);
    const fiveDaysAgoKes = fiveDaysAgo.filter((r) => r[1] === 'completed').reduce((n, r) => n + r[2], 0);

    const page = await newPage();
    await signIn(page, ADMIN_KEY);
    await expectCount(page, '#chart .point', 30);
    expect(await page.locator('#chart-days').getAttribute('aria-pressed')).toBe('true');
    const day = page.locator(`#chart .point[data-at="${new Date(todayStart - 5 * 86_400_000).toISOString()}"]`);
    await day.locator(`.bar.amount[data-value="${fiveDaysAgoKes}"]`).waitFor();
    expect(await day.locator('.bar.completed').getAttribute('data-value')).toBe('6');
    expect(await day.locator('.bar.failed').getAttribute('data-value')).toBe('2');

    // Every bar and dot is the endpoint's figure, and the summary is the window's total.
    await expectChartMatches(page, 'day');
    // The bars are drawn to scale: the tallest KES bar is the day with the most KES.
    const heights = await page.evaluate('[...document.querySelectorAll("#chart .bar.amount")].map((b) => [Number(b.getAttribute("data-value")), Number(b.getAttribute("height"))])');
    const byValue = [...(heights as [number, number][])].sort((a, b) => a[0] - b[0]);
    expect(byValue.map((h) => h[1])).toEqual([...byValue.map((h) => h[1])].sort((a, b) => a - b));

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-chart.png') });

    // 48 hours by hour: yesterday's payments are there, hour by hour.
    await page.locator('#chart-hours').click();
    await expectCount(page, '#chart .point', 48);
    expect(await page.locator('#chart').getAttribute('data-interval')).toBe('hour');
    expect(await page.locator('#chart-hours').getAttribute('aria-pressed')).toBe('true');
    const yesterdayAtNine = page.locator(`#chart .point[data-at="${new Date(todayStart - 86_400_000 + 9 * 3_600_000).toISOString()}"]`);
    const nine = rows.find((r) => r[0] === new Date(todayStart - 86_400_000 + 9 * 3_600_000).toISOString())!;
    expect(await yesterdayAtNine.locator('.bar.amount').getAttribute('data-value')).toBe(String(nine[1] === 'completed' ? nine[2] : 0));
    await expectChartMatches(page, 'hour');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-chart-hours.png') });

    // And back; a phone still gets the whole chart within its width.
    await page.locator('#chart-days').click();
    await expectCount(page, '#chart .point', 30);
    await page.setViewportSize({ width: 390, height: 844 });
    await expectChartMatches(page, 'day');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.locator('#chart-title').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-chart-phone.png') });
    await page.close();
  });

  /** The chart's figures, read from the page, against GET /api/payments/stats/series read now. */
  async function expectChartMatches(page: Page, interval: 'day' | 'hour'): Promise<void> {
    type Point = { at: string; total: number; pending: number; completed: number; failed: number; totalAmount: number };
    const points = (await flow.http.get(`/api/payments/stats/series?interval=${interval}`, 'admin').expect(200)).body as Point[];
    const drawn = await page.evaluate(
      '[...document.querySelectorAll("#chart .point")].map((g) => [g.getAttribute("data-at"), ...["amount", "completed", "failed"].map((k) => Number(g.querySelector(".bar." + k).getAttribute("data-value")))])',
    );
    expect(drawn).toEqual(points.map((p) => [p.at, p.totalAmount, p.completed, p.failed]));
    const rates = await page.evaluate('[...document.querySelectorAll("#chart .rate-dot")].map((d) => Number(d.getAttribute("data-rate")))');
    expect(rates).toEqual(points.filter((p) => p.completed + p.failed > 0).map((p) => Math.round((p.completed / (p.completed + p.failed)) * 10000) / 10000));
    const completed = points.reduce((n, p) => n + p.completed, 0);
    const failed = points.reduce((n, p) => n + p.failed, 0);
    const kes = points.reduce((n, p) => n + p.totalAmount, 0);
    await expectText(page, '#chart-collected', `KES ${kes.toLocaleString('en-US')}`);
    await expectText(page, '#chart-completed', String(completed));
    await expectText(page, '#chart-failed', String(failed));
    await expectText(page, '#chart-rate', `${(Math.round((completed / (completed + failed)) * 1000) / 10).toFixed(1)}%`);
  }
});

/** The UTC day an instant falls in, as the series labels it. */
function utcDay(iso: string): string {
  return `${iso.slice(0, 10)}T00:00:00.000Z`;
}

async function expectCount(page: Page, selector: string, expected: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last = -1;
  while (Date.now() < deadline) {
    last = await page.locator(selector).count();
    if (last === expected) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${selector}: expected ${expected} elements, last saw ${last}`);
}

async function expectText(page: Page, selector: string, expected: string): Promise<void> {
  const locator = page.locator(selector);
  const deadline = Date.now() + 20_000;
  let last: string | null = null;
  while (Date.now() < deadline) {
    last = (await locator.textContent())?.trim() ?? null;
    if (last === expected) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${selector}: expected "${expected}", last saw "${last}"`);
}
