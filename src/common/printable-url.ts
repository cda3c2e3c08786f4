/** A URL as it may be printed in a log line or an error: its password hidden. */
export function printableUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '*****';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}
