// The simulator's stand-in for Safaricom's certificate: an RSA key pair made at start and a
// self-signed X.509 certificate for its public key (node:crypto makes keys and signs, but writes
// no certificates, so the few DER structures are built here), and the check of a SecurityCredential.
import { constants, generateKeyPair, generateKeyPairSync, KeyObject, privateDecrypt, randomBytes, sign, timingSafeEqual, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';

/** DER: tag, length, content. */
function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}
const sequence = (...items: Buffer[]) => der(0x30, ...items);
const set = (...items: Buffer[]) => der(0x31, ...items);
const NULL = Buffer.from([0x05, 0x00]);
/** 1.2.840.113549.1.1.11 sha256WithRSAEncryption */
const SHA256_WITH_RSA = Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]);
/** 2.5.4.3 commonName, 2.5.4.10 organizationName */
const COMMON_NAME = Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03]);
const ORGANIZATION = Buffer.from([0x06, 0x03, 0x55, 0x04, 0x0a]);

function utcTime(at: Date): Buffer {
  const iso = at.toISOString();
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return der(0x17, Buffer.from(text, 'ascii'));
}

function name(commonName: string, organization: string): Buffer {
  const attribute = (oid: Buffer, value: string) => set(sequence(oid, der(0x0c, Buffer.from(value, 'utf8'))));
  return sequence(attribute(ORGANIZATION, organization), attribute(COMMON_NAME, commonName));
}

export interface SimulatorKeyPair {
  privateKey: KeyObject;
  /** PEM, what GET /simulator/certificate.cer serves */
  certificatePem: string;
}

/** A 2048-bit key (344-character credentials, as with Safaricom's) and its self-signed certificate. */
export function createSimulatorKeyPair(now = new Date()): SimulatorKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return selfSigned(privateKey, publicKey, now);
}

/** The same, without blocking the event loop for the key generation (a few hundred ms). */
export async function createSimulatorKeyPairAsync(now = new Date()): Promise<SimulatorKeyPair> {
  const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  return selfSigned(privateKey, publicKey, now);
}

function selfSigned(privateKey: KeyObject, publicKey: KeyObject, now: Date): SimulatorKeyPair {
  const algorithm = sequence(SHA256_WITH_RSA, NULL);
  const subject = name('Daraja simulator', 'referral-payments simulator');
  const serial = randomBytes(8);
  serial[0] &= 0x7f; // a positive INTEGER
  const tbs = sequence(
    der(0xa0, der(0x02, Buffer.from([2]))), // v3
    der(0x02, serial),
    algorithm,
    subject,
    sequence(utcTime(new Date(now.getTime() - 86_400_000)), utcTime(new Date(now.getTime() + 10 * 365 * 86_400_000))),
    subject,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const certificate = sequence(tbs, algorithm, der(0x03, Buffer.from([0]), signature));
  // Parsing it back proves the structure is a certificate any client will read.
  const certificatePem = new X509Certificate(certificate).toString();
  return { privateKey, certificatePem };
}

/**
 * The password inside a SecurityCredential, or null when it is not one for this key: RSA without
 * padding, then PKCS #1 v1.5 type 2 unpadded by hand (Node refuses PKCS #1 v1.5 private decryption
 * since CVE-2023-46809; a simulator has no timing oracle to fear).
 */
export function decryptSecurityCredential(credential: string, privateKey: KeyObject): Buffer | null {
  if (typeof credential !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(credential)) return null;
  const cipher = Buffer.from(credential, 'base64');
  const size = (privateKey.asymmetricKeyDetails?.modulusLength ?? 2048) / 8;
  if (cipher.length !== size) return null;
  let block: Buffer;
  try {
    block = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, cipher);
  } catch {
    return null;
  }
  if (block[0] !== 0x00 || block[1] !== 0x02) return null;
  const separator = block.indexOf(0x00, 2);
  // At least eight padding bytes.
  if (separator < 10) return null;
  return block.subarray(separator + 1);
}

export function credentialMatches(credential: string, privateKey: KeyObject, password: string): boolean {
  const decrypted = decryptSecurityCredential(credential, privateKey);
  const expected = Buffer.from(password, 'utf8');
  return decrypted !== null && decrypted.length === expected.length && timingSafeEqual(decrypted, expected);
}
