/**
 * A URL as a log line or an error may show it: its password hidden
 * (`postgres://user:secret@host/db` → `postgres://user:***@host/db`). Anything else is left as
 * given, a value that is not a URL included, so a bad variable is still echoed as it was set.
 */
export function printableUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*):[^@/\s]*@/i, '$1:***@');
}
