// Password and Timestamp for STK Push and STK Query, per DARAJA.md.

/** Kenya is UTC+3 all year (no DST), so a fixed offset is exact and independent of the machine's TZ. */
const NAIROBI_OFFSET_MS = 3 * 60 * 60 * 1000;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `YYYYMMDDHHmmss` in Africa/Nairobi time. */
export function nairobiTimestamp(at: Date): string {
  const t = new Date(at.getTime() + NAIROBI_OFFSET_MS);
  return (
    `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}` +
    `${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}`
  );
}

/** base64(shortcode + passkey + timestamp): plain concatenation, no separators. */
export function stkPassword(shortcode: string, passkey: string, timestamp: string): string {
  return Buffer.from(`${shortcode}${passkey}${timestamp}`, 'utf8').toString('base64');
}

export interface StkCredentials {
  Password: string;
  Timestamp: string;
}

/** One timestamp for both fields: a Password built from a different second answers "Wrong credentials". */
export function stkCredentials(shortcode: string, passkey: string, at: Date = new Date()): StkCredentials {
  const Timestamp = nairobiTimestamp(at);
  return { Password: stkPassword(shortcode, passkey, Timestamp), Timestamp };
}
