// The initiator's SecurityCredential: its password RSA-encrypted with the public key of Safaricom's
// X.509 certificate, PKCS #1 v1.5 (not OAEP), base64 (DARAJA.md, "Initiator APIs").
import { constants, createPublicKey, publicEncrypt, X509Certificate } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { AppConfig, InitiatorConfig } from '../config/app-config';
import { InjectAppConfig } from '../config/config.module';
import { DarajaHttpTransport } from './daraja-http.transport';

/** Where the simulator serves its certificate, as the Daraja portal offers Safaricom's for download. */
export const SIMULATOR_CERTIFICATE_PATH = '/certificate.cer';

/**
 * Padding is random, so two calls give different texts for one password; Daraja accepts any of
 * them (and one may be reused). The certificate's validity dates are not checked: both of
 * Safaricom's published certificates expired long ago and are still what Daraja expects.
 */
export function encryptInitiatorPassword(password: string, certificate: string | Buffer): string {
  const key = createPublicKey(new X509Certificate(certificate).publicKey.export({ type: 'spki', format: 'pem' }));
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(password, 'utf8')).toString('base64');
}

export class SecurityCredentialError extends Error {
  /** `reason` unreachable: the simulator's certificate could not be fetched now (asking again may work); `config`: nothing will. */
  constructor(
    message: string,
    readonly reason: 'config' | 'unreachable' = 'config',
  ) {
    super(message);
    this.name = 'SecurityCredentialError';
  }
}

/**
 * The credential for the configured initiator, built once per process. In simulator mode with no
 * credential of its own, the password is encrypted with the certificate the simulator serves
 * (fetched from MPESA_BASE_URL, so an api, a worker or a test harness all reach the same one).
 */
@Injectable()
export class SecurityCredentialProvider {
  private readonly logger = new Logger(SecurityCredentialProvider.name);
  private readonly initiator: InitiatorConfig | null;
  private cached: Promise<string> | null = null;

  constructor(
    @InjectAppConfig() config: AppConfig,
    private readonly http: DarajaHttpTransport,
  ) {
    this.initiator = config.mpesa.initiator;
  }

  get initiatorName(): string | null {
    return this.initiator?.name ?? null;
  }

  /** Throws SecurityCredentialError when none is configured or the simulator's certificate cannot be had. */
  credential(): Promise<string> {
    this.cached ??= this.build().catch((error: unknown) => {
      // A failed fetch is not remembered: the simulator may simply not be up yet.
      this.cached = null;
      throw error;
    });
    return this.cached;
  }

  private async build(): Promise<string> {
    const initiator = this.initiator;
    if (!initiator) throw new SecurityCredentialError('No initiator is configured (MPESA_INITIATOR_NAME)');
    const { credential } = initiator;
    if (credential.source === 'given') return credential.value;
    if (credential.source === 'certificate') return encryptInitiatorPassword(credential.password, credential.certificatePem);
    let certificate: string;
    try {
      certificate = await this.http.getText(SIMULATOR_CERTIFICATE_PATH);
      const encrypted = encryptInitiatorPassword(credential.password, certificate);
      this.logger.log("Initiator credential encrypted with the simulator's certificate");
      return encrypted;
    } catch (error) {
      throw new SecurityCredentialError(`Could not get the simulator's certificate: ${(error as Error).message}`, 'unreachable');
    }
  }
}
