// Sandbox and production modes are meant to reach Safaricom and be called back by it. A base URL
// that is the built-in simulator or this machine, or a callback URL without TLS, is allowed (tests
// and integrators run these modes against local Daraja test servers) but said out loud once.
import type { MpesaConfig } from './app-config';

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    host === '::1' ||
    /^::ffff:127\./.test(host) ||
    host === '0.0.0.0'
  );
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * What is odd about where a sandbox or production process sends pushes and asks for callbacks, as
 * one log line; null in simulator mode or when nothing is.
 */
export function mpesaTargetWarning(mpesa: Pick<MpesaConfig, 'env' | 'baseUrl' | 'callbackBaseUrl'>): string | null {
  if (mpesa.env === 'simulator') return null;
  const findings: string[] = [];
  const advice: string[] = [];
  const base = parse(mpesa.baseUrl);
  if (base) {
    const odd: string[] = [];
    if (base.pathname.split('/').includes('simulator')) odd.push("the built-in simulator's /simulator path");
    if (isLoopbackHost(base.hostname)) odd.push('a loopback address');
    if (odd.length > 0) {
      findings.push(`MPESA_BASE_URL ${mpesa.baseUrl} is ${odd.join(' and ')}, not Safaricom`);
      advice.push('leave MPESA_BASE_URL unset');
    }
  }
  const callback = parse(mpesa.callbackBaseUrl);
  if (callback && callback.protocol !== 'https:') {
    findings.push(`MPESA_CALLBACK_BASE_URL ${mpesa.callbackBaseUrl} is not https, which Safaricom requires to call back`);
    advice.push('set MPESA_CALLBACK_BASE_URL to a public https URL');
  }
  if (findings.length === 0) return null;
  return (
    `MPESA_ENV is ${mpesa.env}, but ${findings.join('; ')}. ` +
    `Starting anyway (right for a local Daraja test server); to reach Safaricom, ${advice.join(' and ')}.`
  );
}
