// The raw environment as the contract lists it, validated once at start-up. Defaults that do not
// depend on other variables are initialisers; the rest are derived in load-app-config.ts.
import { Transform } from 'class-transformer';
import { IsBoolean, IsDefined, IsIn, IsInt, IsOptional, Matches, Max, Min, ValidateIf } from 'class-validator';
import { IsApiKeyList, IsIpOrCidrList, IsUrlWithScheme } from './config-validators';

export const PROCESS_ROLES = ['all', 'api', 'worker'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

export const MPESA_ENVIRONMENTS = ['simulator', 'sandbox', 'production'] as const;
export type MpesaEnvironment = (typeof MPESA_ENVIRONMENTS)[number];

export const TRANSACTION_TYPES = ['CustomerPayBillOnline', 'CustomerBuyGoodsOnline'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const toInteger = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;

const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};

// Every message below says what the variable accepts; app-config.ts puts the variable's name and
// its (masked) value in front, one line per bad variable whichever of its rules failed.

type Rule = (target: object, propertyName: string) => void;
const all =
  (...decorators: Rule[]): Rule =>
  (target, propertyName) =>
    decorators.forEach((decorate) => decorate(target, propertyName));

/** A whole number in [min, max]. */
const IntegerIn = (min: number, max?: number): Rule => {
  const message = max === undefined ? `expected a whole number, at least ${min}` : `expected a whole number from ${min} to ${max}`;
  return all(Transform(toInteger), IsInt({ message }), Min(min, { message }), ...(max === undefined ? [] : [Max(max, { message })]));
};

const OneOf = (values: readonly string[]): Rule => IsIn(values, { message: `expected one of ${values.join(', ')}` });

const Pattern = (pattern: RegExp, accepted: string): Rule => Matches(pattern, { message: `expected ${accepted}` });

// Secrets have dev defaults in simulator mode only; a value that is given is checked in every
// mode. An unknown MPESA_ENV requires nothing more: that one line is the whole story.
export const REQUIRED_OUTSIDE_SIMULATOR = 'required when MPESA_ENV is sandbox or production';
const requiredOrGiven = (name: keyof EnvironmentVariables) => (o: EnvironmentVariables) =>
  o.MPESA_ENV === 'sandbox' || o.MPESA_ENV === 'production' || o[name] !== undefined;
const Secret = (name: keyof EnvironmentVariables, ...rules: Rule[]): Rule =>
  all(ValidateIf(requiredOrGiven(name)), IsDefined({ message: REQUIRED_OUTSIDE_SIMULATOR }), ...rules);

/** Variables whose values never appear in a message, only their length. */
export const SECRET_VARIABLES = [
  'MPESA_CONSUMER_KEY',
  'MPESA_CONSUMER_SECRET',
  'MPESA_PASSKEY',
  'MPESA_CALLBACK_TOKEN',
  'MPESA_SECURITY_CREDENTIAL',
  'MPESA_INITIATOR_PASSWORD',
] as const;

export class EnvironmentVariables {
  @IntegerIn(1, 65535)
  PORT: number = 3000;

  @Pattern(/^postgres(ql)?:\/\/\S+$/, 'a postgres:// URL')
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/referral_payments';

  @Pattern(/^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL')
  REDIS_URL: string = 'redis://127.0.0.1:6379';

  /** Not in the contract: lets several deployments (or a test run) share one Redis database. */
  @Pattern(/^[A-Za-z0-9:_-]{1,64}$/, '1-64 letters, digits, ":", "_" or "-"')
  REDIS_KEY_PREFIX: string = 'rp';

  @OneOf(PROCESS_ROLES)
  PROCESS_ROLE: ProcessRole = 'all';

  @OneOf(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @OneOf(MPESA_ENVIRONMENTS)
  MPESA_ENV: MpesaEnvironment = 'simulator';

  @Secret('API_KEYS', IsApiKeyList())
  API_KEYS?: string;

  @IsOptional()
  @IsUrlWithScheme()
  MPESA_BASE_URL?: string;

  @Secret('MPESA_CONSUMER_KEY')
  MPESA_CONSUMER_KEY?: string;

  @Secret('MPESA_CONSUMER_SECRET')
  MPESA_CONSUMER_SECRET?: string;

  @Pattern(/^\d{5,7}$/, '5 to 7 digits')
  MPESA_SHORTCODE: string = '174379';

  @Secret('MPESA_PASSKEY')
  MPESA_PASSKEY?: string;

  @OneOf(TRANSACTION_TYPES)
  MPESA_TRANSACTION_TYPE: TransactionType = 'CustomerPayBillOnline';

  @IsOptional()
  @Pattern(/^\d{5,7}$/, '5 to 7 digits')
  MPESA_PARTY_B?: string;

  @IsOptional()
  @IsUrlWithScheme()
  MPESA_CALLBACK_BASE_URL?: string;

  /**
   * Not in the contract: simulator mode only, where the other processes reach the API that serves
   * the simulator and takes its callbacks (docker compose: http://api:3000). The default of
   * MPESA_BASE_URL (+ /simulator) and MPESA_CALLBACK_BASE_URL in that mode; ignored in the others,
   * so a deployment switches mode with MPESA_ENV alone.
   */
  @IsOptional()
  @IsUrlWithScheme()
  SIMULATOR_API_URL?: string;

  @Secret('MPESA_CALLBACK_TOKEN', Pattern(/^[A-Za-z0-9_-]{16,128}$/, '16-128 URL-safe characters (letters, digits, "_" or "-")'))
  MPESA_CALLBACK_TOKEN?: string;

  @IsOptional()
  @IsIpOrCidrList()
  MPESA_CALLBACK_ALLOWED_IPS?: string;

  /**
   * The API operator for Transaction Status and Reversal. Optional in every mode (the contract):
   * without one outside simulator mode, receipts are not verified and refunds cannot be sent.
   */
  @IsOptional()
  @Pattern(/^[^\s,]{1,64}$/, '1-64 characters without spaces')
  MPESA_INITIATOR_NAME?: string;

  /** The initiator password already encrypted with Safaricom's certificate, base64 (the portal's "security credential"). */
  @IsOptional()
  @Pattern(/^[A-Za-z0-9+/]{40,2000}={0,2}$/, 'base64 text (the encrypted initiator password)')
  MPESA_SECURITY_CREDENTIAL?: string;

  /**
   * Not in the contract: the initiator password in clear, encrypted at start-up with
   * MPESA_CERTIFICATE_PATH into the SecurityCredential (instead of MPESA_SECURITY_CREDENTIAL).
   */
  @IsOptional()
  @Pattern(/^.{1,128}$/, '1-128 characters')
  MPESA_INITIATOR_PASSWORD?: string;

  /** Not in the contract: Safaricom's X.509 certificate (PEM or DER file) MPESA_INITIATOR_PASSWORD is encrypted with. */
  @IsOptional()
  @Pattern(/^\S.*$/, 'a file path')
  MPESA_CERTIFICATE_PATH?: string;

  /** Default: true in simulator mode, false otherwise (derived in app-config.ts). */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'expected true or false (also yes/no, on/off, 1/0)' })
  MPESA_LEDGER_PULL?: boolean;

  /** Each sweep reads twice this, and never more than 48 h back: a day at most keeps the windows overlapping. */
  @IntegerIn(60, 86400)
  LEDGER_PULL_INTERVAL_S: number = 3600;

  /**
   * Not in the contract: how long a Transaction Status or Reversal waits for its Result before the
   * service finds out another way (a Transaction Status asked again, with doubling waits up to an
   * hour; never a second Reversal). The sandbox has been seen to answer after ~85 s.
   */
  @IntegerIn(1, 86400)
  LEDGER_RESULT_WAIT_S: number = 180;

  /** Not in the contract: the NominatedNumber of the one Pull registration (2547… form; simulator: the sandbox test number). */
  @IsOptional()
  @Matches(/^254[17]\d{8}$/, { message: 'expected an MSISDN in 2547XXXXXXXX form' })
  MPESA_PULL_NOMINATED_NUMBER?: string;

  /**
   * Not in the contract: reverse proxies whose X-Forwarded-For is believed (addresses or CIDRs).
   * Unset or empty: none, so the source address is always the connection's own.
   */
  @IsOptional()
  @IsIpOrCidrList()
  TRUSTED_PROXIES?: string;

  /** Not in the contract: the Daraja client's per-request timeout. */
  @IntegerIn(100, 120000)
  MPESA_TIMEOUT_MS: number = 15000;

  /** Not in the contract: how often an idle payment event stream gets a keep-alive comment. */
  @IntegerIn(100, 600000)
  SSE_HEARTBEAT_MS: number = 15000;

  /** Not in the contract: requests per minute per API key (or per address without one); 0 turns limits off. */
  @IntegerIn(0, 1_000_000)
  RATE_LIMIT_PER_MINUTE: number = 600;

  /** Not in the contract: port of the worker role's own health and metrics endpoints; 0 for none. */
  @IntegerIn(0, 65535)
  WORKER_HTTP_PORT: number = 3001;

  /** Not in the contract: how long the built-in simulator waits before POSTing a callback. */
  @IntegerIn(0, 600000)
  SIMULATOR_CALLBACK_DELAY_MS: number = 3000;

  @IntegerIn(1, 250000)
  REFERRAL_FEE_KES: number = 1000;

  @Transform(toBoolean)
  @IsBoolean({ message: 'expected true or false (also yes/no, on/off, 1/0)' })
  AUTO_STK_ON_PENDING_PAYMENT: boolean = true;

  @IntegerIn(1, 20)
  STK_MAX_ATTEMPTS: number = 5;

  @IntegerIn(0, 3600000)
  STK_RETRY_BASE_MS: number = 2000;

  @IntegerIn(0)
  RECONCILE_FIRST_QUERY_S: number = 90;

  @IntegerIn(1)
  RECONCILE_INTERVAL_S: number = 30;

  @IntegerIn(1)
  PAYMENT_EXPIRY_S: number = 86400;

  /** Default: true in simulator mode, false otherwise (derived in app-config.ts). */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'expected true or false (also yes/no, on/off, 1/0)' })
  WEBHOOK_ALLOW_PRIVATE_URLS?: boolean;

  /** Not in the contract: milliseconds per second of the webhook retry schedule (tests shorten it). */
  @IntegerIn(1, 1000)
  WEBHOOK_RETRY_UNIT_MS: number = 1000;

  /** Not in the contract: how often new history rows are turned into webhook events. */
  @IntegerIn(100, 60000)
  WEBHOOK_FANOUT_INTERVAL_MS: number = 1000;

  /**
   * Not in the contract: a pending webhook delivery this long past its attempt time has lost its
   * job (a Redis that lost its data) and is published again; the sweep runs every quarter of it,
   * at most every 30 s. Tests shorten it.
   */
  @IntegerIn(2, 3600)
  WEBHOOK_REPUBLISH_AFTER_S: number = 120;

  /** Not in the contract: STK Push Queries per second, shared by every worker process. */
  @IntegerIn(1, 1000)
  RECONCILE_QUERIES_PER_S: number = 5;
}
