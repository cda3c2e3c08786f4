// The raw environment as the contract lists it, validated once at start-up. Defaults that do not
// depend on other variables are initialisers; the rest are derived in load-app-config.ts.
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
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

// Secrets have dev defaults in simulator mode only; a value that is given is checked in every mode.
const requiredOrGiven = (name: keyof EnvironmentVariables) => (o: EnvironmentVariables) =>
  o.MPESA_ENV !== 'simulator' || o[name] !== undefined;
const secretMessage = (name: string) => `${name} is required when MPESA_ENV is sandbox or production`;

export class EnvironmentVariables {
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT: number = 3000;

  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/referral_payments';

  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL: string = 'redis://127.0.0.1:6379';

  /** Not in the contract: lets several deployments (or a test run) share one Redis database. */
  @Matches(/^[A-Za-z0-9:_-]{1,64}$/, { message: 'REDIS_KEY_PREFIX must be 1-64 letters, digits, ":", "_" or "-"' })
  REDIS_KEY_PREFIX: string = 'rp';

  @IsIn(PROCESS_ROLES)
  PROCESS_ROLE: ProcessRole = 'all';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @IsIn(MPESA_ENVIRONMENTS)
  MPESA_ENV: MpesaEnvironment = 'simulator';

  @ValidateIf(requiredOrGiven('API_KEYS'))
  @IsNotEmpty({ message: secretMessage('API_KEYS') })
  @IsApiKeyList()
  API_KEYS?: string;

  @IsOptional()
  @IsUrlWithScheme()
  MPESA_BASE_URL?: string;

  @ValidateIf(requiredOrGiven('MPESA_CONSUMER_KEY'))
  @IsString()
  @IsNotEmpty({ message: secretMessage('MPESA_CONSUMER_KEY') })
  MPESA_CONSUMER_KEY?: string;

  @ValidateIf(requiredOrGiven('MPESA_CONSUMER_SECRET'))
  @IsString()
  @IsNotEmpty({ message: secretMessage('MPESA_CONSUMER_SECRET') })
  MPESA_CONSUMER_SECRET?: string;

  @Matches(/^\d{5,7}$/, { message: 'MPESA_SHORTCODE must be 5 to 7 digits' })
  MPESA_SHORTCODE: string = '174379';

  @ValidateIf(requiredOrGiven('MPESA_PASSKEY'))
  @IsString()
  @IsNotEmpty({ message: secretMessage('MPESA_PASSKEY') })
  MPESA_PASSKEY?: string;

  @IsIn(TRANSACTION_TYPES)
  MPESA_TRANSACTION_TYPE: TransactionType = 'CustomerPayBillOnline';

  @IsOptional()
  @Matches(/^\d{5,7}$/, { message: 'MPESA_PARTY_B must be 5 to 7 digits' })
  MPESA_PARTY_B?: string;

  @IsOptional()
  @IsUrlWithScheme()
  MPESA_CALLBACK_BASE_URL?: string;

  @ValidateIf(requiredOrGiven('MPESA_CALLBACK_TOKEN'))
  @IsNotEmpty({ message: secretMessage('MPESA_CALLBACK_TOKEN') })
  @Matches(/^[A-Za-z0-9_-]{16,128}$/, {
    message: 'MPESA_CALLBACK_TOKEN must be 16-128 URL-safe characters (letters, digits, "_" or "-")',
  })
  MPESA_CALLBACK_TOKEN?: string;

  @IsOptional()
  @IsIpOrCidrList()
  MPESA_CALLBACK_ALLOWED_IPS?: string;

  /**
   * Not in the contract: reverse proxies whose X-Forwarded-For is believed (addresses or CIDRs).
   * Unset or empty: none, so the source address is always the connection's own.
   */
  @IsOptional()
  @IsIpOrCidrList()
  TRUSTED_PROXIES?: string;

  /** Not in the contract: the Daraja client's per-request timeout. */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(120000)
  MPESA_TIMEOUT_MS: number = 15000;

  /** Not in the contract: how often an idle payment event stream gets a keep-alive comment. */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(600000)
  SSE_HEARTBEAT_MS: number = 15000;

  /** Not in the contract: requests per minute per API key (or per address without one); 0 turns limits off. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  RATE_LIMIT_PER_MINUTE: number = 600;

  /** Not in the contract: port of the worker role's own health and metrics endpoints; 0 for none. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_HTTP_PORT: number = 3001;

  /** Not in the contract: how long the built-in simulator waits before POSTing a callback. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(600000)
  SIMULATOR_CALLBACK_DELAY_MS: number = 3000;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(250000)
  REFERRAL_FEE_KES: number = 1000;

  @Transform(toBoolean)
  @IsBoolean({ message: 'AUTO_STK_ON_PENDING_PAYMENT must be true or false' })
  AUTO_STK_ON_PENDING_PAYMENT: boolean = true;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(20)
  STK_MAX_ATTEMPTS: number = 5;

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(3600000)
  STK_RETRY_BASE_MS: number = 2000;

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  RECONCILE_FIRST_QUERY_S: number = 90;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  RECONCILE_INTERVAL_S: number = 30;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  PAYMENT_EXPIRY_S: number = 86400;

  /** Not in the contract: STK Push Queries per second, shared by every worker process. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000)
  RECONCILE_QUERIES_PER_S: number = 5;
}
