// The simulator's key pair and certificate, made when the simulator starts (a new one each start,
// as nothing outside the process may hold it). Generated in the background so start-up does not
// wait for it; the first request that needs it does.
import { Injectable, OnModuleInit } from '@nestjs/common';
import { createSimulatorKeyPairAsync, SimulatorKeyPair } from './simulator-certificate';

@Injectable()
export class SimulatorCertificateStore implements OnModuleInit {
  private pair: Promise<SimulatorKeyPair> | null = null;

  onModuleInit(): void {
    void this.keyPair().catch(() => undefined);
  }

  keyPair(): Promise<SimulatorKeyPair> {
    this.pair ??= createSimulatorKeyPairAsync();
    return this.pair;
  }
}
