// docker-compose.yml as compose would resolve it for a given shell environment, fed to the real
// config loader: each mode must end up where it says, with no simulator value left behind.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadAppConfig } from './app-config';
import { mpesaTargetWarning } from './mpesa-target-check';

interface ComposeService {
  environment?: Record<string, string | number | boolean | null>;
  restart?: string;
  command?: string[];
  volumes?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = parse(readFileSync(join(__dirname, '../../docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;

/** Compose's variable interpolation: $$, $NAME, ${NAME}, ${NAME:-x}, ${NAME-x}, ${NAME:?x}, ${NAME?x}, ${NAME:+x}, ${NAME+x}. */
function interpolate(text: string, shell: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, name: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (match === '$$') return '$';
      if (bare) return shell[bare] ?? '';
      const value = shell[name!];
      const set = value !== undefined;
      const nonEmpty = set && value !== '';
      switch (op) {
        case ':-':
          return nonEmpty ? value : arg!;
        case '-':
          return set ? value : arg!;
        case ':+':
          return nonEmpty ? arg! : '';
        case '+':
          return set ? arg! : '';
        case ':?':
        case '?':
          if (op === ':?' ? !nonEmpty : !set) throw new Error(`${name}: ${arg}`);
          return value!;
        default:
          return value ?? '';
      }
    },
  );
}

function environmentOf(service: string, shell: Record<string, string>): Record<string, string> {
  const raw = compose.services[service].environment ?? {};
  return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, interpolate(String(value ?? ''), shell)]));
}

const SECRETS = {
  API_KEYS: 'admin:an-admin-key-0000,staff:a-staff-key-0000',
  MPESA_CONSUMER_KEY: 'ck',
  MPESA_CONSUMER_SECRET: 'cs',
  MPESA_PASSKEY: 'pk',
  MPESA_CALLBACK_TOKEN: 'a-long-random-callback-token',
};

const resolved = (service: string, shell: Record<string, string>) => {
  const config = loadAppConfig(environmentOf(service, shell));
  return { role: config.processRole, mpesa: config.mpesa, warning: mpesaTargetWarning(config.mpesa) };
};

describe('docker-compose.yml', () => {
  it('knows the interpolation forms it relies on', () => {
    expect(interpolate('${A:-x}|${B:-x}|${C-x}|${B-x}|$$A|$A', { A: 'a', B: '' })).toBe('a|x|x||$A|a');
  });

  it.each(['api', 'worker'])('%s: with nothing set, simulator mode against the api service', (service) => {
    const { role, mpesa, warning } = resolved(service, {});
    expect(role).toBe(service);
    expect(mpesa.env).toBe('simulator');
    expect(mpesa.baseUrl).toBe('http://api:3000/simulator');
    expect(mpesa.callbackBaseUrl).toBe('http://api:3000');
    expect(warning).toBeNull();
  });

  it.each(['api', 'worker'])('%s: MPESA_ENV=sandbox with its secrets reaches Safaricom, no simulator value left', (service) => {
    const { mpesa, warning } = resolved(service, { ...SECRETS, MPESA_ENV: 'sandbox', MPESA_CALLBACK_BASE_URL: 'https://payments.example.org' });
    expect(mpesa.env).toBe('sandbox');
    expect(mpesa.baseUrl).toBe('https://sandbox.safaricom.co.ke');
    expect(mpesa.callbackBaseUrl).toBe('https://payments.example.org');
    expect(mpesa.consumerKey).toBe('ck');
    expect(warning).toBeNull();
  });

  it.each(['api', 'worker'])('%s: production without a public callback URL starts with the warning', (service) => {
    const { mpesa, warning } = resolved(service, { ...SECRETS, MPESA_ENV: 'production' });
    expect(mpesa.baseUrl).toBe('https://api.safaricom.co.ke');
    expect(warning).toContain('MPESA_CALLBACK_BASE_URL http://127.0.0.1:3000 is not https');
    expect(warning).not.toContain('MPESA_BASE_URL http');
  });

  it('passes an explicit MPESA_BASE_URL through, and an empty one clears it', () => {
    const shell = { ...SECRETS, MPESA_ENV: 'sandbox', MPESA_CALLBACK_BASE_URL: 'https://payments.example.org' };
    expect(resolved('worker', { ...shell, MPESA_BASE_URL: 'https://daraja-test.example.org' }).mpesa.baseUrl).toBe('https://daraja-test.example.org');
    expect(resolved('worker', { ...shell, MPESA_BASE_URL: '' }).mpesa.baseUrl).toBe('https://sandbox.safaricom.co.ke');
    expect(resolved('worker', { ...shell, MPESA_CALLBACK_BASE_URL: '' }).mpesa.callbackBaseUrl).toBe('http://127.0.0.1:3000');
  });

  it('restarts every service and keeps Redis\'s append-only file in a volume', () => {
    for (const [name, service] of Object.entries(compose.services)) expect([name, service.restart]).toEqual([name, 'unless-stopped']);
    const redis = compose.services.redis;
    expect(redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    const dataVolume = (redis.volumes ?? []).find((v) => v.endsWith(':/data'));
    expect(dataVolume).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(dataVolume!.split(':')[0]);
  });
});
