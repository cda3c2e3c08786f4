import { loadAppConfig } from './app-config';
import { mpesaTargetWarning } from './mpesa-target-check';

const secrets = {
  API_KEYS: 'admin:an-admin-key-0000,staff:a-staff-key-0000',
  MPESA_CALLBACK_TOKEN: 'a-long-random-callback-token',
  MPESA_CONSUMER_KEY: 'ck',
  MPESA_CONSUMER_SECRET: 'cs',
  MPESA_PASSKEY: 'pk',
};

const warningFor = (env: Record<string, string>) => mpesaTargetWarning(loadAppConfig({ ...secrets, ...env }).mpesa);

describe('mpesaTargetWarning', () => {
  it('says nothing in simulator mode, whatever the URLs', () => {
    expect(warningFor({})).toBeNull();
    expect(warningFor({ MPESA_BASE_URL: 'http://127.0.0.1:1/simulator', MPESA_CALLBACK_BASE_URL: 'http://api:3000' })).toBeNull();
  });

  it.each(['sandbox', 'production'])('says nothing for %s with Safaricom and an https callback', (mode) => {
    expect(warningFor({ MPESA_ENV: mode, MPESA_CALLBACK_BASE_URL: 'https://clinic.example.org' })).toBeNull();
  });

  it('flags a sandbox pointed at the simulator path of another host', () => {
    const warning = warningFor({
      MPESA_ENV: 'sandbox',
      MPESA_BASE_URL: 'http://api:3000/simulator',
      MPESA_CALLBACK_BASE_URL: 'https://clinic.example.org',
    });
    expect(warning).toBe(
      "MPESA_ENV is sandbox, but MPESA_BASE_URL http://api:3000/simulator is the built-in simulator's /simulator path, not Safaricom. " +
        'Starting anyway (right for a local Daraja test server); to reach Safaricom, leave MPESA_BASE_URL unset.',
    );
  });

  it.each(['http://127.0.0.1:4010', 'http://localhost:4010', 'https://[::1]:4010', 'http://127.3.2.1'])(
    'flags a loopback Daraja (%s)',
    (url) => {
      const warning = warningFor({ MPESA_ENV: 'production', MPESA_BASE_URL: url, MPESA_CALLBACK_BASE_URL: 'https://clinic.example.org' });
      expect(warning).toContain(`MPESA_BASE_URL ${url} is a loopback address, not Safaricom`);
      expect(warning).not.toContain('is not https');
    },
  );

  it('flags a callback URL without TLS, including the default one', () => {
    expect(warningFor({ MPESA_ENV: 'sandbox', MPESA_CALLBACK_BASE_URL: 'http://clinic.example.org' })).toContain(
      'MPESA_CALLBACK_BASE_URL http://clinic.example.org is not https, which Safaricom requires to call back',
    );
    expect(warningFor({ MPESA_ENV: 'production', PORT: '4100' })).toContain('MPESA_CALLBACK_BASE_URL http://127.0.0.1:4100 is not https');
  });

  it('puts every finding in one line', () => {
    const warning = warningFor({ MPESA_ENV: 'sandbox', MPESA_BASE_URL: 'http://127.0.0.1:3000/simulator', MPESA_CALLBACK_BASE_URL: 'http://api:3000' })!;
    expect(warning.split('\n')).toHaveLength(1);
    expect(warning).toContain("MPESA_BASE_URL http://127.0.0.1:3000/simulator is the built-in simulator's /simulator path and a loopback address");
    expect(warning).toContain('MPESA_CALLBACK_BASE_URL http://api:3000 is not https');
    expect(warning).toMatch(/leave MPESA_BASE_URL unset and set MPESA_CALLBACK_BASE_URL to a public https URL\.$/);
  });

  it('does not take a path that merely contains the word for the simulator', () => {
    expect(
      warningFor({ MPESA_ENV: 'sandbox', MPESA_BASE_URL: 'https://daraja.example.org/simulators-off', MPESA_CALLBACK_BASE_URL: 'https://c.example.org' }),
    ).toBeNull();
  });
});
