// Recognises the errors that mean "Postgres or Redis cannot be reached right now" rather than "this
// request is wrong" or "the code is wrong", so they answer 503 (retry shortly) instead of 500.
// Postgres: refused or broken connections, a server shutting down or starting up (SQLSTATE class 08,
// 57P01-57P03), too many connections, the pool's connect timeout. Redis (ioredis, fail-fast client):
// a command refused while disconnected.

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const POSTGRES_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300']);
const MESSAGES = [
  /^Connection terminated/, // pg: the server closed the connection (shutdown, restart)
  /timeout exceeded when trying to connect/, // pg-pool: connectionTimeoutMillis
  /Client has encountered a connection error and is not queryable/, // pg
  /Stream isn't writeable and enableOfflineQueue options is false/, // ioredis, fail-fast client
  /^Connection is closed\.?$/, // ioredis
  /Reached the max retries per request limit/, // ioredis
];

function isUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || POSTGRES_UNAVAILABLE.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  return typeof message === 'string' && MESSAGES.some((pattern) => pattern.test(message));
}

/** True for an error (or one it wraps: TypeORM's driverError, an `errors` list, a `cause`) from a dependency that is away. */
export function isDependencyUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 3 || !error || typeof error !== 'object') return false;
  if (isUnavailable(error)) return true;
  const { driverError, cause, errors } = error as { driverError?: unknown; cause?: unknown; errors?: unknown };
  if (isDependencyUnavailable(driverError, depth + 1) || isDependencyUnavailable(cause, depth + 1)) return true;
  // AggregateError (e.g. a connect that tried IPv4 and IPv6)
  return Array.isArray(errors) && errors.some((e) => isDependencyUnavailable(e, depth + 1));
}

export const DEPENDENCY_UNAVAILABLE_MESSAGE = 'The database or queue this request needs is unavailable; retry shortly';
