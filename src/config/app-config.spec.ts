import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulatorKeyPair } from '../mpesa/simulator/simulator-certificate';
import { ConfigurationError, loadAppConfig, resultUrl, SAFARICOM_CALLBACK_IPS } from './app-config';

const productionSecrets = {
  MPESA_ENV: 'production',
  API_KEYS: 'admin:prod-admin-key-000000,staff:prod-staff-key-000000',
  MPESA_CALLBACK_TOKEN: 'a-long-random-callback-token',
  MPESA_CONSUMER_KEY: 'ck',
  MPESA_CONSUMER_SECRET: 'cs',
  MPESA_PASSKEY: 'pk',
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadAppConfig(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('loadAppConfig', () => {
  it('starts in simulator mode with dev defaults when nothing is set', () => {
    const config = loadAppConfig({});
    expect(config.port).toBe(3000);
    expect(config.processRole).toBe('all');
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/referral_payments');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.apiKeys).toEqual([
      { role: 'admin', key: 'dev-admin-key' },
      { role: 'staff', key: 'dev-staff-key' },
    ]);
    expect(config.mpesa.env).toBe('simulator');
    expect(config.mpesa.baseUrl).toBe('http://127.0.0.1:3000/simulator');
    expect(config.mpesa.shortcode).toBe('174379');
    expect(config.mpesa.partyB).toBe('174379');
    expect(config.mpesa.transactionType).toBe('CustomerPayBillOnline');
    expect(config.mpesa.callbackBaseUrl).toBe('http://127.0.0.1:3000');
    expect(config.mpesa.callbackAllowedIps).toEqual([]);
    expect(config.payments).toEqual({
      referralFeeKes: 1000,
      autoStkOnPendingPayment: true,
      stkMaxAttempts: 5,
      stkRetryBaseMs: 2000,
      reconcileFirstQueryS: 90,
      reconcileIntervalS: 30,
      paymentExpiryS: 86400,
      reconcileQueriesPerSecond: 5,
    });
  });

  it('derives the simulator URLs from PORT and parses typed values', () => {
    const config = loadAppConfig({ PORT: '4100', AUTO_STK_ON_PENDING_PAYMENT: 'false', STK_MAX_ATTEMPTS: '3', MPESA_PARTY_B: '600000' });
    expect(config.mpesa.baseUrl).toBe('http://127.0.0.1:4100/simulator');
    expect(config.mpesa.callbackBaseUrl).toBe('http://127.0.0.1:4100');
    expect(config.payments.autoStkOnPendingPayment).toBe(false);
    expect(config.payments.stkMaxAttempts).toBe(3);
    expect(config.mpesa.partyB).toBe('600000');
  });

  it('in simulator mode takes both Daraja URLs from SIMULATOR_API_URL, and ignores it in the other modes', () => {
    const simulated = loadAppConfig({ SIMULATOR_API_URL: 'http://api:3000/' }).mpesa;
    expect(simulated.baseUrl).toBe('http://api:3000/simulator');
    expect(simulated.callbackBaseUrl).toBe('http://api:3000');
    const sandbox = loadAppConfig({ ...productionSecrets, MPESA_ENV: 'sandbox', SIMULATOR_API_URL: 'http://api:3000' }).mpesa;
    expect(sandbox.baseUrl).toBe('https://sandbox.safaricom.co.ke');
    expect(sandbox.callbackBaseUrl).toBe('http://127.0.0.1:3000');
    expect(loadAppConfig({ SIMULATOR_API_URL: 'http://api:3000', MPESA_BASE_URL: 'http://other:1/simulator' }).mpesa.baseUrl).toBe(
      'http://other:1/simulator',
    );
    expect(problemsOf({ SIMULATOR_API_URL: 'api:3000' })).toEqual(['SIMULATOR_API_URL="api:3000": expected an http:// or https:// URL']);
  });

  it('reads the operator settings for rate limits and the worker port, with defaults', () => {
    expect(loadAppConfig({})).toMatchObject({ rateLimitPerMinute: 600, workerHttpPort: 3001 });
    expect(loadAppConfig({ RATE_LIMIT_PER_MINUTE: '0', WORKER_HTTP_PORT: '0' })).toMatchObject({ rateLimitPerMinute: 0, workerHttpPort: 0 });
  });

  it('reads the reconciliation query rate', () => {
    expect(loadAppConfig({ RECONCILE_QUERIES_PER_S: '12' }).payments.reconcileQueriesPerSecond).toBe(12);
  });

  it('reads the event stream heartbeat, 15 s by default', () => {
    expect(loadAppConfig({}).events.heartbeatMs).toBe(15000);
    expect(loadAppConfig({ SSE_HEARTBEAT_MS: '250' }).events.heartbeatMs).toBe(250);
  });

  it('treats empty variables as unset', () => {
    expect(loadAppConfig({ PORT: '', API_KEYS: ' ' }).port).toBe(3000);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PROCESS_ROLE', 'scheduler'],
    ['MPESA_ENV', 'staging'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'http://x'],
    ['MPESA_SHORTCODE', '12'],
    ['MPESA_TRANSACTION_TYPE', 'Bogus'],
    ['MPESA_BASE_URL', 'not a url'],
    ['MPESA_CALLBACK_ALLOWED_IPS', '196.201.214.200,not-an-ip'],
    ['TRUSTED_PROXIES', '10.0.0.1,proxy.example'],
    ['TRUSTED_PROXIES', '10.0.0.0/33'],
    ['REFERRAL_FEE_KES', '10.5'],
    ['REFERRAL_FEE_KES', '0'],
    ['AUTO_STK_ON_PENDING_PAYMENT', 'maybe'],
    ['STK_MAX_ATTEMPTS', '0'],
    ['STK_RETRY_BASE_MS', '-1'],
    ['RECONCILE_INTERVAL_S', '0'],
    ['RATE_LIMIT_PER_MINUTE', '-1'],
    ['RATE_LIMIT_PER_MINUTE', 'lots'],
    ['WORKER_HTTP_PORT', '70000'],
    ['SSE_HEARTBEAT_MS', '99'],
    ['SSE_HEARTBEAT_MS', 'often'],
    ['RECONCILE_QUERIES_PER_S', '0'],
    ['RECONCILE_QUERIES_PER_S', '2.5'],
    ['RECONCILE_QUERIES_PER_S', '1001'],
    ['API_KEYS', 'root:abc'],
    ['API_KEYS', 'admin:'],
  ])('refuses %s=%s in one line that names the variable and says what it accepts', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}=.+: .*expected `));
    // The value is echoed, except for API keys (masked below).
    if (name !== 'API_KEYS') expect(problems[0]).toContain(`${name}=${JSON.stringify(value)}: `);
  });

  it('reports PORT=abc as one line with the value and the accepted range', () => {
    expect(problemsOf({ PORT: 'abc' })).toEqual(['PORT="abc": expected a whole number from 1 to 65535']);
    expect(new ConfigurationError(problemsOf({ PORT: 'abc' })).message.split('\n')).toEqual([
      'Invalid configuration:',
      '  - PORT="abc": expected a whole number from 1 to 65535',
    ]);
  });

  it('reports an unknown MPESA_ENV alone, without the secrets of a mode nobody chose', () => {
    expect(problemsOf({ MPESA_ENV: 'prod' })).toEqual(['MPESA_ENV="prod": expected one of simulator, sandbox, production']);
  });

  it('reports one line per bad variable, each once', () => {
    expect(problemsOf({ PORT: '70000', DATABASE_URL: 'mysql://x', AUTO_STK_ON_PENDING_PAYMENT: 'maybe' })).toEqual([
      'PORT="70000": expected a whole number from 1 to 65535',
      'DATABASE_URL="mysql://x": expected a postgres:// URL',
      'AUTO_STK_ON_PENDING_PAYMENT="maybe": expected true or false (also yes/no, on/off, 1/0)',
    ]);
  });

  it('webhooks: private URLs allowed and http accepted in simulator mode only, unless set', () => {
    expect(loadAppConfig({}).webhooks).toEqual({ requireHttps: false, allowPrivateUrls: true, retryUnitMs: 1000, fanOutIntervalMs: 1000, republishAfterS: 120 });
    expect(loadAppConfig(productionSecrets).webhooks).toMatchObject({ requireHttps: true, allowPrivateUrls: false });
    expect(loadAppConfig({ ...productionSecrets, WEBHOOK_ALLOW_PRIVATE_URLS: 'yes' }).webhooks.allowPrivateUrls).toBe(true);
    expect(loadAppConfig({ WEBHOOK_ALLOW_PRIVATE_URLS: 'false' }).webhooks.allowPrivateUrls).toBe(false);
    expect(problemsOf({ WEBHOOK_ALLOW_PRIVATE_URLS: 'maybe' })).toEqual(['WEBHOOK_ALLOW_PRIVATE_URLS="maybe": expected true or false (also yes/no, on/off, 1/0)']);
    expect(problemsOf({ WEBHOOK_RETRY_UNIT_MS: '0' })).toEqual(['WEBHOOK_RETRY_UNIT_MS="0": expected a whole number from 1 to 1000']);
  });

  it('in sandbox mode names each missing secret once, as not set', () => {
    expect(problemsOf({ MPESA_ENV: 'sandbox' })).toEqual(
      ['API_KEYS', 'MPESA_CONSUMER_KEY', 'MPESA_CONSUMER_SECRET', 'MPESA_PASSKEY', 'MPESA_CALLBACK_TOKEN'].map(
        (name) => `${name} is not set: required when MPESA_ENV is sandbox or production`,
      ),
    );
  });

  it('masks secrets: a bad callback token is described by its length only', () => {
    const problems = problemsOf({ ...productionSecrets, MPESA_CALLBACK_TOKEN: 'tiny!' });
    expect(problems).toEqual(['MPESA_CALLBACK_TOKEN=<hidden, 5 characters>: expected 16-128 URL-safe characters (letters, digits, "_" or "-")']);
  });

  it('masks API keys but shows known roles, so the bad entry can be found', () => {
    expect(problemsOf({ API_KEYS: 'admin:k-one-secret,stafff:k-two-secret' })).toEqual([
      'API_KEYS="admin:***,***": entry 2 has an unknown role; expected comma-separated role:key pairs, each role admin or staff',
    ]);
  });

  it('masks the password of a URL it echoes', () => {
    expect(problemsOf({ DATABASE_URL: 'mysql://app:hunter2@db/x' })).toEqual(['DATABASE_URL="mysql://app:***@db/x": expected a postgres:// URL']);
  });

  it('never echoes an API key in its messages', () => {
    const problems = problemsOf({ API_KEYS: 'admin:super-secret-1,admin:super-secret-1' });
    expect(problems.join('\n')).not.toContain('super-secret-1');
  });

  it('refuses an expiry that comes before the first status query', () => {
    expect(problemsOf({ RECONCILE_FIRST_QUERY_S: '600', PAYMENT_EXPIRY_S: '60' })).toEqual([
      'PAYMENT_EXPIRY_S="60": must be greater than RECONCILE_FIRST_QUERY_S (600)',
    ]);
  });

  it.each(['API_KEYS', 'MPESA_CALLBACK_TOKEN', 'MPESA_CONSUMER_KEY', 'MPESA_CONSUMER_SECRET', 'MPESA_PASSKEY'])(
    'outside simulator mode, a missing %s stops start-up',
    (secret) => {
      for (const env of ['sandbox', 'production']) {
        const vars: NodeJS.ProcessEnv = { ...productionSecrets, MPESA_ENV: env };
        delete vars[secret];
        expect(problemsOf(vars)).toEqual([`${secret} is not set: required when MPESA_ENV is sandbox or production`]);
      }
    },
  );

  it('in production uses Safaricom URLs and allowlist by default', () => {
    const config = loadAppConfig(productionSecrets);
    expect(config.mpesa.baseUrl).toBe('https://api.safaricom.co.ke');
    expect(config.mpesa.callbackAllowedIps).toEqual(SAFARICOM_CALLBACK_IPS);
    expect(loadAppConfig({ ...productionSecrets, MPESA_ENV: 'sandbox' }).mpesa.baseUrl).toBe('https://sandbox.safaricom.co.ke');
  });

  it('honours an explicit allowlist, including CIDR ranges', () => {
    const config = loadAppConfig({ ...productionSecrets, MPESA_CALLBACK_ALLOWED_IPS: '10.0.0.0/8, ::1' });
    expect(config.mpesa.callbackAllowedIps).toEqual(['10.0.0.0/8', '::1']);
  });

  it('trusts no proxy by default and reads TRUSTED_PROXIES as addresses or CIDR ranges', () => {
    expect(loadAppConfig({}).trustedProxies).toEqual([]);
    expect(loadAppConfig({ TRUSTED_PROXIES: '' }).trustedProxies).toEqual([]);
    expect(loadAppConfig({ TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8,::1' }).trustedProxies).toEqual(['127.0.0.1', '10.0.0.0/8', '::1']);
  });

  it('returns a frozen object', () => {
    const config = loadAppConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.mpesa)).toBe(true);
  });

  describe('the initiator and the ledger sweep (issue 16)', () => {
    const certificateFile = () => {
      const file = join(mkdtempSync(join(tmpdir(), 'cert-')), 'cert.cer');
      writeFileSync(file, createSimulatorKeyPair().certificatePem);
      return file;
    };

    it('in simulator mode has a dev initiator whose credential the simulator certificate gives, and pulls the ledger hourly', () => {
      const { mpesa, simulator } = loadAppConfig({});
      expect(mpesa.initiator).toEqual({ name: 'dev-initiator', credential: { source: 'simulator', password: 'dev-initiator-password' } });
      expect(simulator).toMatchObject({ initiatorName: 'dev-initiator', initiatorPassword: 'dev-initiator-password' });
      expect(mpesa).toMatchObject({ ledgerPull: true, ledgerPullIntervalS: 3600 });
      expect(resultUrl(mpesa, 'reversal')).toBe('http://127.0.0.1:3000/api/mpesa/results/dev-callback-token/reversal');
    });

    it('outside simulator mode has no initiator and no sweep unless configured', () => {
      expect(loadAppConfig(productionSecrets).mpesa).toMatchObject({ initiator: null, ledgerPull: false });
      expect(loadAppConfig({ ...productionSecrets, MPESA_LEDGER_PULL: 'yes', LEDGER_PULL_INTERVAL_S: '1800' }).mpesa).toMatchObject({ ledgerPull: true, ledgerPullIntervalS: 1800 });
    });

    it('takes a given credential, or encrypts a password with a certificate file', () => {
      const credential = 'A'.repeat(342) + '==';
      expect(loadAppConfig({ ...productionSecrets, MPESA_INITIATOR_NAME: 'apiop', MPESA_SECURITY_CREDENTIAL: credential }).mpesa.initiator).toEqual({ name: 'apiop', credential: { source: 'given', value: credential } });
      const initiator = loadAppConfig({ ...productionSecrets, MPESA_INITIATOR_NAME: 'apiop', MPESA_INITIATOR_PASSWORD: 'pw', MPESA_CERTIFICATE_PATH: certificateFile() }).mpesa.initiator;
      expect(initiator?.credential).toMatchObject({ source: 'certificate', password: 'pw', certificatePem: expect.stringContaining('BEGIN CERTIFICATE') });
    });

    it('names what is wrong with an initiator set-up, hiding the secrets', () => {
      expect(problemsOf({ ...productionSecrets, MPESA_INITIATOR_NAME: 'apiop' })).toEqual([
        'MPESA_SECURITY_CREDENTIAL is not set: required with MPESA_INITIATOR_NAME (or MPESA_INITIATOR_PASSWORD and MPESA_CERTIFICATE_PATH)',
      ]);
      expect(problemsOf({ ...productionSecrets, MPESA_INITIATOR_NAME: 'apiop', MPESA_INITIATOR_PASSWORD: 'secret' })).toEqual([
        "MPESA_INITIATOR_PASSWORD=<hidden, 6 characters>: needs MPESA_CERTIFICATE_PATH (Safaricom's certificate) outside simulator mode",
      ]);
      expect(problemsOf({ MPESA_INITIATOR_PASSWORD: 'pw', MPESA_CERTIFICATE_PATH: '/nonexistent/cert.cer' })[0]).toMatch(/^MPESA_CERTIFICATE_PATH="\/nonexistent\/cert.cer": expected a readable X.509 certificate file/);
      expect(problemsOf({ MPESA_CERTIFICATE_PATH: certificateFile() })[0]).toMatch(/^MPESA_CERTIFICATE_PATH=.*needs MPESA_INITIATOR_PASSWORD/);
      expect(problemsOf({ ...productionSecrets, MPESA_SECURITY_CREDENTIAL: 'A'.repeat(344) })).toEqual(['MPESA_INITIATOR_NAME is not set: required with MPESA_SECURITY_CREDENTIAL or MPESA_INITIATOR_PASSWORD']);
      expect(problemsOf({ MPESA_SECURITY_CREDENTIAL: 'not base64 !' })).toEqual(['MPESA_SECURITY_CREDENTIAL=<hidden, 12 characters>: expected base64 text (the encrypted initiator password)']);
      expect(problemsOf({ MPESA_LEDGER_PULL: 'sometimes' })).toEqual(['MPESA_LEDGER_PULL="sometimes": expected true or false (also yes/no, on/off, 1/0)']);
      expect(problemsOf({ LEDGER_PULL_INTERVAL_S: '10' })).toEqual(['LEDGER_PULL_INTERVAL_S="10": expected a whole number from 60 to 86400']);
    });
  });
});
