// The typed configuration every module reads: built once from the environment, then frozen.
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { describeValidationErrors, problemLine } from './config-messages';
import { ApiKeyEntry, parseApiKeys, splitList } from './config-validators';
import {
  EnvironmentVariables,
  MpesaEnvironment,
  ProcessRole,
  TransactionType,
} from './environment-variables';

export interface MpesaConfig {
  env: MpesaEnvironment;
  baseUrl: string;
  consumerKey: string;
  consumerSecret: string;
  shortcode: string;
  passkey: string;
  transactionType: TransactionType;
  partyB: string;
  callbackBaseUrl: string;
  callbackToken: string;
  callbackAllowedIps: string[];
  timeoutMs: number;
  /** Transaction Status and Reversal; null outside simulator mode without MPESA_INITIATOR_NAME. */
  initiator: InitiatorConfig | null;
  /** MPESA_LEDGER_PULL: the Pull Transactions sweep runs. */
  ledgerPull: boolean;
  ledgerPullIntervalS: number;
  /** LEDGER_RESULT_WAIT_S: a Result not here by then is found out another way. */
  ledgerResultWaitS: number;
  /** MPESA_PULL_NOMINATED_NUMBER (simulator: the sandbox test number); null: Pull is not registered by the service. */
  pullNominatedNumber: string | null;
}

/**
 * Where the SecurityCredential comes from: given already encrypted (the contract's
 * MPESA_SECURITY_CREDENTIAL), encrypted at start-up from the password and a certificate file, or,
 * in simulator mode, encrypted with the certificate the simulator serves.
 */
export type InitiatorCredential =
  | { source: 'given'; value: string }
  | { source: 'certificate'; password: string; certificatePem: string }
  | { source: 'simulator'; password: string };

export interface InitiatorConfig {
  name: string;
  credential: InitiatorCredential;
}

export interface PaymentRules {
  referralFeeKes: number;
  autoStkOnPendingPayment: boolean;
  stkMaxAttempts: number;
  stkRetryBaseMs: number;
  reconcileFirstQueryS: number;
  reconcileIntervalS: number;
  paymentExpiryS: number;
  reconcileQueriesPerSecond: number;
}

export interface AppConfig {
  port: number;
  databaseUrl: string;
  redisUrl: string;
  redisKeyPrefix: string;
  processRole: ProcessRole;
  logLevel: string;
  apiKeys: ApiKeyEntry[];
  mpesa: MpesaConfig;
  payments: PaymentRules;
  /** The built-in simulator: its callback delay and the initiator it accepts (MPESA_INITIATOR_NAME / _PASSWORD or dev values). */
  simulator: { callbackDelayMs: number; initiatorName: string; initiatorPassword: string };
  /** The live payment event stream (GET /api/payments/events). */
  events: { heartbeatMs: number };
  /** Requests per minute per API key or address; 0 = no limit. */
  rateLimitPerMinute: number;
  /** The worker role's health and metrics port; 0 = none. */
  workerHttpPort: number;
  /** Proxies (addresses or CIDRs) whose X-Forwarded-For gives the client address; empty = trust none. */
  trustedProxies: string[];
  webhooks: WebhookRules;
}

export interface WebhookRules {
  /** Outside simulator mode endpoint URLs must be https. */
  requireHttps: boolean;
  /** Loopback, private and link-local targets allowed (WEBHOOK_ALLOW_PRIVATE_URLS). */
  allowPrivateUrls: boolean;
  /** Milliseconds per second of the contract's retry schedule: 1000 but in tests. */
  retryUnitMs: number;
  fanOutIntervalMs: number;
  /** A pending delivery this far past its attempt time is published again (WEBHOOK_REPUBLISH_AFTER_S). */
  republishAfterS: number;
}

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigurationError';
  }
}

/** Public Daraja sandbox values (DARAJA.md); only ever used in simulator mode. */
export const SIMULATOR_DEFAULTS = {
  apiKeys: 'admin:dev-admin-key,staff:dev-staff-key',
  consumerKey: 'simulator-consumer-key',
  consumerSecret: 'simulator-consumer-secret',
  passkey: 'bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919',
  callbackToken: 'dev-callback-token',
  initiatorName: 'dev-initiator',
  initiatorPassword: 'dev-initiator-password',
} as const;

const DARAJA_BASE_URLS: Record<Exclude<MpesaEnvironment, 'simulator'>, string> = {
  sandbox: 'https://sandbox.safaricom.co.ke',
  production: 'https://api.safaricom.co.ke',
};

/** Safaricom's published callback source addresses (DARAJA.md); the default allowlist in production. */
export const SAFARICOM_CALLBACK_IPS = [
  '196.201.214.200', '196.201.214.206', '196.201.213.114', '196.201.214.207',
  '196.201.214.208', '196.201.213.44', '196.201.212.127', '196.201.212.138',
  '196.201.212.129', '196.201.212.136', '196.201.212.74', '196.201.212.69',
];

const stripTrailingSlash = (url: string) => url.replace(/\/+$/, '');

export function loadAppConfig(env: NodeJS.ProcessEnv): AppConfig {
  // An empty variable means "not set": docker-compose and shells often pass FOO= through.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== '')) as Record<string, string>;
  const vars = plainToInstance(EnvironmentVariables, given, { excludeExtraneousValues: false });
  const problems = describeValidationErrors(validateSync(vars, { skipMissingProperties: false }), given);
  if (vars.PAYMENT_EXPIRY_S <= vars.RECONCILE_FIRST_QUERY_S && problems.length === 0) {
    problems.push(
      problemLine('PAYMENT_EXPIRY_S', String(vars.PAYMENT_EXPIRY_S), `must be greater than RECONCILE_FIRST_QUERY_S (${vars.RECONCILE_FIRST_QUERY_S})`),
    );
  }
  const simulator = vars.MPESA_ENV === 'simulator';
  const initiator = problems.length === 0 ? initiatorConfig(vars, simulator, problems) : null;
  if (problems.length > 0) throw new ConfigurationError(problems);

  // Validated above (or the built-in default): always a list here.
  const apiKeys = parseApiKeys(vars.API_KEYS ?? SIMULATOR_DEFAULTS.apiKeys) as ApiKeyEntry[];
  const localBase = `http://127.0.0.1:${vars.PORT}`;
  // Where Daraja (or the simulator) is and where it calls back, unless set: per mode.
  const ownBase = simulator ? stripTrailingSlash(vars.SIMULATOR_API_URL ?? localBase) : localBase;

  const config: AppConfig = {
    port: vars.PORT,
    databaseUrl: vars.DATABASE_URL,
    redisUrl: vars.REDIS_URL,
    redisKeyPrefix: vars.REDIS_KEY_PREFIX,
    processRole: vars.PROCESS_ROLE,
    logLevel: vars.LOG_LEVEL,
    apiKeys,
    mpesa: {
      env: vars.MPESA_ENV,
      baseUrl: stripTrailingSlash(
        vars.MPESA_BASE_URL ?? (simulator ? `${ownBase}/simulator` : DARAJA_BASE_URLS[vars.MPESA_ENV as 'sandbox']),
      ),
      consumerKey: vars.MPESA_CONSUMER_KEY ?? SIMULATOR_DEFAULTS.consumerKey,
      consumerSecret: vars.MPESA_CONSUMER_SECRET ?? SIMULATOR_DEFAULTS.consumerSecret,
      shortcode: vars.MPESA_SHORTCODE,
      passkey: vars.MPESA_PASSKEY ?? SIMULATOR_DEFAULTS.passkey,
      transactionType: vars.MPESA_TRANSACTION_TYPE,
      partyB: vars.MPESA_PARTY_B ?? vars.MPESA_SHORTCODE,
      callbackBaseUrl: stripTrailingSlash(vars.MPESA_CALLBACK_BASE_URL ?? ownBase),
      callbackToken: vars.MPESA_CALLBACK_TOKEN ?? SIMULATOR_DEFAULTS.callbackToken,
      callbackAllowedIps:
        vars.MPESA_CALLBACK_ALLOWED_IPS !== undefined
          ? splitList(vars.MPESA_CALLBACK_ALLOWED_IPS)
          : vars.MPESA_ENV === 'production'
            ? [...SAFARICOM_CALLBACK_IPS]
            : [],
      timeoutMs: vars.MPESA_TIMEOUT_MS,
      initiator,
      ledgerPull: vars.MPESA_LEDGER_PULL ?? simulator,
      ledgerPullIntervalS: vars.LEDGER_PULL_INTERVAL_S,
      ledgerResultWaitS: vars.LEDGER_RESULT_WAIT_S,
      pullNominatedNumber: vars.MPESA_PULL_NOMINATED_NUMBER ?? (simulator ? '254708374149' : null),
    },
    payments: {
      referralFeeKes: vars.REFERRAL_FEE_KES,
      autoStkOnPendingPayment: vars.AUTO_STK_ON_PENDING_PAYMENT,
      stkMaxAttempts: vars.STK_MAX_ATTEMPTS,
      stkRetryBaseMs: vars.STK_RETRY_BASE_MS,
      reconcileFirstQueryS: vars.RECONCILE_FIRST_QUERY_S,
      reconcileIntervalS: vars.RECONCILE_INTERVAL_S,
      paymentExpiryS: vars.PAYMENT_EXPIRY_S,
      reconcileQueriesPerSecond: vars.RECONCILE_QUERIES_PER_S,
    },
    simulator: {
      callbackDelayMs: vars.SIMULATOR_CALLBACK_DELAY_MS,
      initiatorName: vars.MPESA_INITIATOR_NAME ?? SIMULATOR_DEFAULTS.initiatorName,
      initiatorPassword: vars.MPESA_INITIATOR_PASSWORD ?? SIMULATOR_DEFAULTS.initiatorPassword,
    },
    events: { heartbeatMs: vars.SSE_HEARTBEAT_MS },
    rateLimitPerMinute: vars.RATE_LIMIT_PER_MINUTE,
    workerHttpPort: vars.WORKER_HTTP_PORT,
    trustedProxies: splitList(vars.TRUSTED_PROXIES),
    webhooks: {
      requireHttps: !simulator,
      allowPrivateUrls: vars.WEBHOOK_ALLOW_PRIVATE_URLS ?? simulator,
      retryUnitMs: vars.WEBHOOK_RETRY_UNIT_MS,
      fanOutIntervalMs: vars.WEBHOOK_FANOUT_INTERVAL_MS,
      republishAfterS: vars.WEBHOOK_REPUBLISH_AFTER_S,
    },
  };
  return deepFreeze(config);
}

/**
 * The initiator and where its SecurityCredential comes from, or null when none is configured.
 * Pushes a line onto `problems` for a combination that cannot work (a password without the
 * certificate to encrypt it with, a name without any credential, two credentials).
 */
function initiatorConfig(vars: EnvironmentVariables, simulator: boolean, problems: string[]): InitiatorConfig | null {
  const { MPESA_INITIATOR_NAME: name, MPESA_SECURITY_CREDENTIAL: given, MPESA_INITIATOR_PASSWORD: password, MPESA_CERTIFICATE_PATH: path } = vars;
  const before = problems.length;
  if (given !== undefined && password !== undefined) {
    problems.push(problemLine('MPESA_INITIATOR_PASSWORD', password, 'give either MPESA_SECURITY_CREDENTIAL or MPESA_INITIATOR_PASSWORD (with MPESA_CERTIFICATE_PATH), not both'));
  }
  if (path !== undefined && password === undefined) {
    problems.push(problemLine('MPESA_CERTIFICATE_PATH', path, 'needs MPESA_INITIATOR_PASSWORD, the password it encrypts'));
  }
  if (!simulator && password !== undefined && path === undefined) {
    problems.push(problemLine('MPESA_INITIATOR_PASSWORD', password, 'needs MPESA_CERTIFICATE_PATH (Safaricom\'s certificate) outside simulator mode'));
  }
  let certificatePem: string | null = null;
  if (path !== undefined && password !== undefined) {
    try {
      certificatePem = new X509Certificate(readFileSync(path)).toString();
    } catch (error) {
      problems.push(problemLine('MPESA_CERTIFICATE_PATH', path, `expected a readable X.509 certificate file, PEM or DER (${(error as Error).message})`));
    }
  }
  if (!simulator) {
    if (name === undefined && (given !== undefined || password !== undefined)) {
      problems.push(problemLine('MPESA_INITIATOR_NAME', name, 'required with MPESA_SECURITY_CREDENTIAL or MPESA_INITIATOR_PASSWORD'));
    }
    if (name !== undefined && given === undefined && password === undefined) {
      problems.push(problemLine('MPESA_SECURITY_CREDENTIAL', given, 'required with MPESA_INITIATOR_NAME (or MPESA_INITIATOR_PASSWORD and MPESA_CERTIFICATE_PATH)'));
    }
  }
  if (problems.length > before) return null;
  if (!simulator && name === undefined) return null;
  const initiatorName = name ?? SIMULATOR_DEFAULTS.initiatorName;
  if (given !== undefined) return { name: initiatorName, credential: { source: 'given', value: given } };
  if (password !== undefined && certificatePem !== null) return { name: initiatorName, credential: { source: 'certificate', password, certificatePem } };
  return { name: initiatorName, credential: { source: 'simulator', password: password ?? SIMULATOR_DEFAULTS.initiatorPassword } };
}

/** Where Daraja POSTs a Transaction Status or Reversal result (contract, "Ledger reconciliation"). */
export type ResultKind = 'transaction-status' | 'reversal';
export const RESULT_KINDS: readonly ResultKind[] = ['transaction-status', 'reversal'];

export function resultUrl(mpesa: MpesaConfig, kind: ResultKind): string {
  return `${mpesa.callbackBaseUrl}/api/mpesa/results/${mpesa.callbackToken}/${kind}`;
}

/** The callback URL Daraja is told to call: contract, "Processes and configuration". */
export function callbackUrl(mpesa: MpesaConfig): string {
  return `${mpesa.callbackBaseUrl}/api/stk-callback/${mpesa.callbackToken}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
