// Issue 8, Security: no secret and no full phone number in the logs. One real process (API,
// worker and simulator: PROCESS_ROLE=all) runs at LOG_LEVEL=debug with secrets made for this run,
// its Daraja traffic passing through a recording proxy so every access token and STK Password it
// really used is known. A whole flow is driven through it (referrals, payments with several
// simulator outcomes, reconciliation queries, token expiry, retries, forged callbacks carrying
// secrets in headers, admin corrections, lookups by phone in every form, errors), then every line
// it wrote is scanned for each secret and for each phone number in all its forms.
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiProcess, startApiProcess } from '../support/api-process';
import { failureCallback, successCallback } from '../support/callbacks';
import { rawRequest, RawResponse } from '../support/raw-http';
import { waitFor } from '../support/wait-for';

const secret = (label: string) => `${label}-${randomBytes(16).toString('hex')}`;
const SECRETS = {
  adminKey: secret('adm'),
  staffKey: secret('stf'),
  callbackToken: secret('cbt'),
  consumerKey: secret('ck'),
  consumerSecret: secret('cs'),
  passkey: randomBytes(32).toString('hex'),
};

/** Every phone number the flow uses, by its 9 significant digits. */
const PHONES = {
  paid: '712345601',
  paidOtherPrefix: '110345602',
  stkPush: '712345603',
  patientOnly: '722000111',
  cancels: '700000102',
  noCallback: '700000201',
  twoCallbacks: '700000202',
  spikeArrestOnce: '700000311',
  wrongCredentials: '700000402',
};

/** Daraja traffic seen by the proxy: what the service sent and was given. */
interface Recorded {
  authorizations: Set<string>;
  passwords: Set<string>;
  accessTokens: Set<string>;
}

function startRecordingProxy(target: () => number, recorded: Recorded): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.headers.authorization) recorded.authorizations.add(req.headers.authorization);
      try {
        const parsed = JSON.parse(body.toString('utf8')) as { Password?: string };
        if (parsed.Password) recorded.passwords.add(parsed.Password);
      } catch {
        /* not JSON: nothing to record */
      }
      const upstream = httpRequest({ host: '127.0.0.1', port: target(), method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const out: Buffer[] = [];
        answer.on('data', (c: Buffer) => out.push(c));
        answer.on('end', () => {
          const text = Buffer.concat(out).toString('utf8');
          try {
            const parsed = JSON.parse(text) as { access_token?: string };
            if (parsed.access_token) recorded.accessTokens.add(parsed.access_token);
          } catch {
            /* not JSON */
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(text);
        });
      });
      upstream.on('error', () => res.writeHead(502).end());
      upstream.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Separators a phone number may be written with (a query string's `+` too), and URL escapes, taken out between digits. */
function normalised(line: string): string {
  return line
    .replace(/%2[bB]/g, '+')
    .replace(/%20|%2[dD]/g, ' ')
    .replace(/(\d)[\s.()+-]+(?=\d)/g, '$1');
}

/** Each form of a number: 2547…, 07…, +2547…, and the nine digits alone, none inside a longer run. */
function phoneForms(nine: string): RegExp[] {
  return [`254${nine}`, `0${nine}`, `\\+254${nine}`, nine].map((form) => new RegExp(`(?<!\\d)${form}(?!\\d)`));
}

describe('Logs carry no secret and no full phone number', () => {
  let api: ApiProcess;
  let proxy: Server;
  let apiPort = 0;
  const recorded: Recorded = { authorizations: new Set(), passwords: new Set(), accessTokens: new Set() };

  beforeAll(async () => {
    proxy = await startRecordingProxy(() => apiPort, recorded);
    const proxyPort = (proxy.address() as AddressInfo).port;
    api = await startApiProcess({
      PROCESS_ROLE: 'all',
      LOG_LEVEL: 'debug',
      API_KEYS: `admin:${SECRETS.adminKey},staff:${SECRETS.staffKey}`,
      MPESA_CALLBACK_TOKEN: SECRETS.callbackToken,
      MPESA_CONSUMER_KEY: SECRETS.consumerKey,
      MPESA_CONSUMER_SECRET: SECRETS.consumerSecret,
      MPESA_PASSKEY: SECRETS.passkey,
      MPESA_BASE_URL: `http://127.0.0.1:${proxyPort}/simulator`,
      SIMULATOR_CALLBACK_DELAY_MS: '100',
      STK_RETRY_BASE_MS: '100',
      RECONCILE_FIRST_QUERY_S: '1',
      RECONCILE_INTERVAL_S: '1',
      WORKER_HTTP_PORT: '0',
    });
    apiPort = api.port;
  });
  afterAll(async () => {
    if (api.child.exitCode === null) api.child.kill('SIGKILL');
    await new Promise((resolve) => proxy.close(resolve));
  });

  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, raw?: string): Promise<RawResponse> =>
    rawRequest(api.baseUrl, {
      method,
      path,
      headers: { ...(body !== undefined || raw !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
  const staff = (method: string, path: string, body?: unknown) => send(method, path, body, { 'X-API-Key': SECRETS.staffKey });
  const admin = (method: string, path: string, body?: unknown) => send(method, path, body, { Authorization: `Bearer ${SECRETS.adminKey}` });
  const json = (res: RawResponse) => res.json as Record<string, unknown>;

  async function referralToPayment(stkPhone: string, patientPhone?: string): Promise<{ referralId: string; paymentId: string }> {
    const created = await staff('POST', '/api/referrals', { patientName: 'Log Scan Patient', ...(patientPhone ? { patientPhone } : {}) });
    const referralId = json(created).id as string;
    await admin('PATCH', `/api/referrals/${referralId}/status`, { status: 'awaiting-biodata' });
    const moved = await staff('PATCH', `/api/referrals/${referralId}/status`, { status: 'pending-payment', stkPhoneNumber: stkPhone });
    expect(moved.status).toBe(200);
    const payments = await waitFor(async () => {
      const list = (await staff('GET', `/api/referrals/${referralId}/payments`)).json as { id: string }[];
      return list.length > 0 ? list : null;
    }, 'the automatic payment');
    return { referralId, paymentId: payments[0].id };
  }
  const finalStatus = (paymentId: string, timeoutMs = 20_000) =>
    waitFor(async () => {
      const p = json(await staff('GET', `/api/payments/${paymentId}`));
      return p.status !== 'pending' ? p : null;
    }, `payment ${paymentId} to settle`, timeoutMs);

  it('drives a whole flow, then finds none of them in any line', async () => {
    // Payments with several simulator outcomes, phones written every way a clinic writes them.
    const paid = await referralToPayment('+254 712 345 601', '0722 000 111');
    const paidOther = await referralToPayment('0110-345-602');
    const cancelled = await referralToPayment('254700000102');
    const reconciled = await referralToPayment('0700000201');
    const twice = await referralToPayment('700000202');
    const spike = await referralToPayment('+254700000311');
    const refused = await referralToPayment('254700000402');
    expect((await finalStatus(paid.paymentId)).status).toBe('completed');
    expect((await finalStatus(paidOther.paymentId)).status).toBe('completed');
    expect((await finalStatus(cancelled.paymentId)).status).toBe('failed');
    expect((await finalStatus(twice.paymentId)).status).toBe('completed');
    expect((await finalStatus(spike.paymentId)).status).toBe('completed');
    expect((await finalStatus(refused.paymentId)).status).toBe('failed');
    expect((await finalStatus(reconciled.paymentId, 30_000)).status).toBe('completed'); // by STK Query

    // Tokens revoked: the next push needs a new one. A retry and a direct push after a failure.
    expect((await send('POST', '/simulator/tokens/expire')).status).toBe(200);
    const retried = await staff('POST', `/api/payments/${cancelled.paymentId}/retry`);
    expect(retried.status).toBe(202);
    await finalStatus(json(retried).id as string);
    const direct = await staff('POST', '/api/mpesa/stk-push', { phoneNumber: '0712 345 603', amount: 10, referralId: refused.referralId });
    expect(direct.status).toBe(202);
    await finalStatus(json(direct).id as string);

    // An access token fetched the way Daraja's clients do, to be sure tokens are in the scan.
    const basic = Buffer.from(`${SECRETS.consumerKey}:${SECRETS.consumerSecret}`).toString('base64');
    const oauth = await send('GET', '/simulator/oauth/v1/generate?grant_type=client_credentials', undefined, { Authorization: `Basic ${basic}` });
    recorded.accessTokens.add(json(oauth).access_token as string);

    // Forged and odd callbacks, carrying secrets where a careless logger would print them.
    const secretHeaders = { 'X-API-Key': SECRETS.adminKey, Authorization: `Bearer ${SECRETS.staffKey}`, Cookie: `session=${SECRETS.consumerSecret}` };
    const payment = json(await staff('GET', `/api/payments/${paid.paymentId}`));
    const forged = successCallback(payment.stkRequestId as string, 1, '254712345601', 'FRG1234567');
    expect((await send('POST', '/api/stk-callback/wrong-token-123456', forged, secretHeaders)).status).toBe(404);
    expect((await send('POST', `/api/stk-callback/${SECRETS.callbackToken}`, forged, secretHeaders)).status).toBe(200);
    expect((await send('POST', `/API/STK-CALLBACK/${SECRETS.callbackToken}`, failureCallback('ws_CO_unknown_logscan', 1032, 'Request cancelled by user'))).status).toBe(200);
    expect((await send('POST', `/api/stk-callback/${SECRETS.callbackToken}`, undefined, {}, '{"Body": {"stkCallback": {"PhoneNumber": 254712345601,')).status).toBe(400);
    expect((await send('POST', `/api/stk-callback/${SECRETS.callbackToken}?phone=0712345601`, { Body: {} })).status).toBe(400);

    // Admin corrections and lookups by phone, the number in every form, encoded or not.
    const pending = await referralToPayment('0700000201');
    expect((await admin('POST', '/api/update-payment-status', { paymentId: pending.paymentId, status: 'failed', reason: 'patient 0712345601 asked to stop' })).status).toBe(200);
    for (const form of ['254712345601', '0712345601', '%2B254712345601', '+254%20712%20345%20601', '0712-345-601', '712345601', '%200712345601']) {
      expect((await admin('GET', `/api/payments/by-phone/${form}`)).status).toBe(200);
    }
    for (const query of ['phoneNumber=0712345601', 'phoneNumber=%2B254%20712%20345%20601', 'phoneNumber=+254+712+345+601']) {
      expect((await admin('GET', `/api/payments?${query}`)).status).toBeLessThan(500);
    }
    expect((await admin('GET', '/api/payments/stats')).status).toBe(200);
    expect((await admin('GET', '/api/payments/pending')).status).toBe(200);

    // Errors: refusals that might echo what they were given.
    expect((await staff('POST', '/api/referrals', { patientName: 'Bad phone', patientPhone: '0712345601x' })).status).toBe(400);
    expect((await send('POST', '/api/referrals', undefined, { 'X-API-Key': SECRETS.staffKey }, '{"patientPhone": "0712345601", "patientName": ')).status).toBe(400);
    expect((await staff('PATCH', `/api/referrals/${paid.referralId}/status`, { status: 'pending-payment', stkPhoneNumber: '0712345601' })).status).toBe(409);
    expect((await staff('GET', '/api/payments/by-phone/0712345601')).status).toBe(403);
    expect((await send('GET', '/api/referrals', undefined, { 'X-API-Key': `${SECRETS.adminKey}x` })).status).toBe(401);
    expect((await staff('GET', `/api/payments/00000000-0000-4000-8000-000000000000`)).status).toBe(404);

    // Stop the process so every buffered line is written, then scan what it wrote.
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    const lines = api.output().split('\n').filter((line) => line.trim().length > 0);

    const secrets = new Map<string, string>([
      ...Object.entries(SECRETS),
      ['consumer Basic credentials', basic],
      ...[...recorded.passwords].map((p, i) => [`STK Password #${i + 1}`, p] as [string, string]),
      ...[...recorded.accessTokens].map((tk, i) => [`access token #${i + 1}`, tk] as [string, string]),
      ...[...recorded.authorizations].map((a, i) => [`Daraja Authorization #${i + 1}`, a.replace(/^\w+\s+/, '')] as [string, string]),
    ]);
    const findings: string[] = [];
    lines.forEach((line, n) => {
      const variants = [line, normalised(line)];
      for (const [name, value] of secrets) if (variants.some((v) => v.includes(value))) findings.push(`line ${n + 1}: ${name}`);
      for (const [name, nine] of Object.entries(PHONES)) {
        for (const form of phoneForms(nine)) if (variants.some((v) => form.test(v))) findings.push(`line ${n + 1}: phone ${name} as ${form.source}: ${line.slice(0, 300)}`);
      }
    });
    console.log(
      `log scan: ${lines.length} lines, ${secrets.size} secrets (${recorded.passwords.size} STK Passwords, ${recorded.accessTokens.size} access tokens), ` +
        `${Object.keys(PHONES).length} phone numbers x 4 forms, ${findings.length} findings`,
    );
    expect(findings).toEqual([]);
    // The scan saw what it should have: debug-level request lines, including the risky URLs.
    expect(lines.length).toBeGreaterThan(100);
    expect(recorded.passwords.size).toBeGreaterThanOrEqual(2);
    expect(recorded.accessTokens.size).toBeGreaterThanOrEqual(2);
    expect(lines.some((l) => l.includes('/api/payments/by-phone/'))).toBe(true);
    expect(lines.some((l) => l.includes('/api/stk-callback/[REDACTED]'))).toBe(true);
  });
});
