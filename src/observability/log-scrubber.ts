// What must never reach a log line, removed from every line pino writes: secrets by field name,
// phone numbers wherever they appear (all but the last three digits masked), the callback token
// in URLs, webhook secrets (`whsec_…`). Applied to structured fields and to message text alike.

const SECRET_FIELD = /^(authorization|x-api-key|api[-_]?keys?|password|passkey|secret|consumer[-_]?secret|consumer[-_]?key|access[-_]?token|token|callback[-_]?token|cookie)$/i;

/**
 * Kenyan mobile numbers in any of the accepted forms, as a whole run of digits, also written with
 * spaces, dots, dashes or `+` (a query string's space) between the digits and URL-encoded (`+254%20712%20345%20678`,
 * `%2B254712345678`), as a request URL carries them (issue 8: such URLs reached the logs).
 */
const SEP = '(?:[ .+-]|%20|%2[dD])?';
const digits = (n: number) => Array.from({ length: n }, () => '\\d').join(SEP);
const PHONE = new RegExp(`(?<!(?<!%2)[\\dA-Za-z%])((?:\\+|%2[bB])?2${SEP}5${SEP}4${SEP}|0${SEP})?([17]${SEP}${digits(5)})${SEP}(${digits(3)})(?!\\d)`, 'g');
const SEPARATORS = /[ .-]|%20|%2[dD]|(?<=\d)\+/g;
/**
 * Case-insensitive like Express's routing, which answers /API/STK-CALLBACK/<token> too. A token is
 * URL-safe characters only (config), so a comma ends it: Nest's `Mapped {/api/stk-callback/:token, POST}`.
 */
const CALLBACK_PATH = /(\/api\/stk-callback\/)[^/?#\s",]+/gi;
/** Webhook signing secrets, wherever they appear (a failed query's parameters, say). */
const WEBHOOK_SECRET = /whsec_[A-Za-z0-9+/=]+/g;
const MAX_DEPTH = 6;

export function scrubText(text: string): string {
  return text
    .replace(CALLBACK_PATH, '$1[REDACTED]')
    .replace(WEBHOOK_SECRET, 'whsec_[REDACTED]')
    .replace(PHONE, (_match, prefix: string | undefined, middle: string, lastThree: string) => {
      const masked = `${prefix ?? ''}${middle}`.replace(/%2[bB]/g, '+').replace(SEPARATORS, '');
      return `${'*'.repeat(masked.length)}${lastThree.replace(SEPARATORS, '')}`;
    });
}

export function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (typeof value === 'number') return Number.isInteger(value) && /^(254)?[17]\d{8}$/.test(String(value)) ? scrubText(String(value)) : value;
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1));
  if (value instanceof Error) return scrubError(value);
  // Class instances (a raw request or response on its way to pino's serializers) are not walked:
  // the serializers pick their fields, and the result is scrubbed in turn.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_FIELD.test(key) ? '[REDACTED]' : scrubValue(inner, depth + 1);
  }
  return out;
}

function scrubError(error: Error): Record<string, unknown> {
  return { type: error.name, message: scrubText(error.message), stack: error.stack ? scrubText(error.stack) : undefined };
}
