// Building the SecurityCredential, checked against the simulator's key the way Daraja checks it.
import { constants, privateDecrypt, X509Certificate } from 'node:crypto';
import type { AppConfig, InitiatorConfig } from '../config/app-config';
import type { DarajaHttpTransport } from './daraja-http.transport';
import { encryptInitiatorPassword, SecurityCredentialProvider, SIMULATOR_CERTIFICATE_PATH } from './security-credential';
import { createSimulatorKeyPair, credentialMatches, decryptSecurityCredential } from './simulator/simulator-certificate';

const pair = createSimulatorKeyPair();

describe('encryptInitiatorPassword', () => {
  it('gives 344 base64 characters for a 2048-bit certificate, different every time, both decrypting to the password', () => {
    const a = encryptInitiatorPassword('Safaricom999!*!', pair.certificatePem);
    const b = encryptInitiatorPassword('Safaricom999!*!', pair.certificatePem);
    expect(a).toMatch(/^[A-Za-z0-9+/]{342}==$/);
    expect(a).not.toBe(b);
    expect(decryptSecurityCredential(a, pair.privateKey)?.toString()).toBe('Safaricom999!*!');
    expect(credentialMatches(b, pair.privateKey, 'Safaricom999!*!')).toBe(true);
    expect(credentialMatches(b, pair.privateKey, 'Safaricom999!*')).toBe(false);
  });

  it('uses PKCS #1 v1.5 padding (type 2 block), not OAEP', () => {
    const credential = encryptInitiatorPassword('pw', pair.certificatePem);
    const block = privateDecrypt({ key: pair.privateKey, padding: constants.RSA_NO_PADDING }, Buffer.from(credential, 'base64'));
    expect([block[0], block[1]]).toEqual([0x00, 0x02]);
    expect(block.subarray(block.length - 3)).toEqual(Buffer.from([0x00, ...Buffer.from('pw')]));
  });

  it('takes the certificate as PEM or DER', () => {
    const derBytes = new X509Certificate(pair.certificatePem).raw;
    expect(credentialMatches(encryptInitiatorPassword('pw', derBytes), pair.privateKey, 'pw')).toBe(true);
  });

  it('refuses what is not a certificate', () => {
    expect(() => encryptInitiatorPassword('pw', 'not a certificate')).toThrow();
  });
});

describe('the simulator certificate', () => {
  it('is a self-signed X.509 certificate with a 2048-bit RSA key', () => {
    const cert = new X509Certificate(pair.certificatePem);
    expect(cert.publicKey.asymmetricKeyType).toBe('rsa');
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.subject).toContain('CN=Daraja simulator');
  });

  it('refuses credentials of the wrong length, not base64, or for another key', () => {
    const other = createSimulatorKeyPair();
    expect(decryptSecurityCredential('AAAA', pair.privateKey)).toBeNull();
    expect(decryptSecurityCredential('not base64!', pair.privateKey)).toBeNull();
    expect(credentialMatches(encryptInitiatorPassword('pw', other.certificatePem), pair.privateKey, 'pw')).toBe(false);
  });
});

describe('SecurityCredentialProvider', () => {
  const provider = (initiator: InitiatorConfig | null, getText: () => Promise<string> = async () => pair.certificatePem) => {
    const calls: string[] = [];
    const http = { getText: async (path: string) => (calls.push(path), getText()) } as unknown as DarajaHttpTransport;
    return { calls, provider: new SecurityCredentialProvider({ mpesa: { initiator } } as unknown as AppConfig, http) };
  };

  it('hands out a given credential as it is', async () => {
    const { provider: p, calls } = provider({ name: 'op', credential: { source: 'given', value: 'ABCD' } });
    await expect(p.credential()).resolves.toBe('ABCD');
    expect(calls).toEqual([]);
  });

  it('encrypts with a configured certificate', async () => {
    const { provider: p } = provider({ name: 'op', credential: { source: 'certificate', password: 'pw', certificatePem: pair.certificatePem } });
    expect(credentialMatches(await p.credential(), pair.privateKey, 'pw')).toBe(true);
  });

  it("in simulator mode fetches the simulator's certificate once, and again after a failure", async () => {
    let fail = true;
    const { provider: p, calls } = provider({ name: 'op', credential: { source: 'simulator', password: 'pw' } }, async () => {
      if (fail) throw new Error('connection refused');
      return pair.certificatePem;
    });
    await expect(p.credential()).rejects.toMatchObject({ name: 'SecurityCredentialError', reason: 'unreachable' });
    fail = false;
    const first = await p.credential();
    expect(await p.credential()).toBe(first);
    expect(credentialMatches(first, pair.privateKey, 'pw')).toBe(true);
    expect(calls).toEqual([SIMULATOR_CERTIFICATE_PATH, SIMULATOR_CERTIFICATE_PATH]);
  });

  it('says so when no initiator is configured', async () => {
    await expect(provider(null).provider.credential()).rejects.toThrow('No initiator is configured');
  });
});
