// The simulator's key pair and certificate, made once when the simulator starts (a new one each
// start, as nothing outside the process may hold it).
import { Injectable } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { createSimulatorKeyPair } from './simulator-certificate';

@Injectable()
export class SimulatorCertificateStore {
  readonly privateKey: KeyObject;
  readonly certificatePem: string;

  constructor() {
    ({ privateKey: this.privateKey, certificatePem: this.certificatePem } = createSimulatorKeyPair());
  }
}
