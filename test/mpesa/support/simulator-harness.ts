// Boots the Daraja simulator and the Daraja client in one Nest app on a real port, with the global
// guard, pipe and filter the API uses, plus a callback receiver; the client talks to the simulator over HTTP.
import type { INestApplication, LoggerService } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { AuthModule } from '../../../src/auth/auth.module';
import { HttpErrorFilter } from '../../../src/common/http-error.filter';
import { createValidationPipe } from '../../../src/common/validation';
import type { AppConfig, MpesaConfig } from '../../../src/config/app-config';
import { loadAppConfig } from '../../../src/config/app-config';
import { AppConfigModule } from '../../../src/config/config.module';
import { DarajaHttpTransport } from '../../../src/mpesa/daraja-http.transport';
import { DarajaTokenCache } from '../../../src/mpesa/daraja-token.cache';
import { DarajaClient } from '../../../src/mpesa/daraja.client';
import type { StkPushRequest } from '../../../src/mpesa/daraja.types';
import { MpesaModule } from '../../../src/mpesa/mpesa.module';
import { SimulatorModule } from '../../../src/mpesa/simulator/simulator.module';
import { freePort } from '../../support/free-port';
import { CallbackReceiver, JsonBody } from './callback-receiver';

/** Collects every log line so tests can prove no secret or full phone number is written. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private record = (...parts: unknown[]) => {
    this.lines.push(parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' '));
  };
  log = this.record;
  error = this.record;
  warn = this.record;
  debug = this.record;
  verbose = this.record;
  fatal = this.record;
}

export interface SimulatorHarness {
  app: INestApplication;
  config: AppConfig;
  /** http://127.0.0.1:<port>/simulator */
  simulatorUrl: string;
  client: DarajaClient;
  callbacks: CallbackReceiver;
  logs: CapturingLogger;
  /** counts TCP connections accepted by the app, to show the client keeps them alive */
  connections: { count: number };
  callbackUrl(tag?: string): string;
  pushRequest(phoneNumber: string, changes?: Partial<StkPushRequest>): StkPushRequest;
  /** a second client with other settings (wrong secret, passkey, base URL), its own token cache */
  clientWith(changes: Partial<MpesaConfig>): DarajaClient;
  groundTruth(): Promise<GroundTruth>;
  simulator(path: string, body?: unknown): Promise<{ status: number; body: JsonBody }>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface GroundTruth {
  tokenRequests: number;
  tokensIssued: number;
  pushes: { phoneNumber: string | null; accountReference: string | null; outcome: string; httpStatus: number; errorCode: string | null; checkoutRequestId: string | null; scenario: string | null }[];
  transactions: { checkoutRequestId: string; merchantRequestId: string; phoneNumber: string; amount: number; accountReference: string; scenario: string; status: string; resultCode: string; mpesaReceiptNumber: string | null; queryCount: number; callbacks: { httpStatus: number | null }[] }[];
  acceptedPushesByPhone: Record<string, number>;
  acceptedPushesByAccountReference: Record<string, number>;
  callbacksSent: number;
  queriesByCheckoutRequestId: Record<string, number>;
}

export { freePort };

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startSimulatorHarness(env: Record<string, string> = {}): Promise<SimulatorHarness> {
  const port = await freePort();
  const callbacks = await CallbackReceiver.start();
  const simulatorUrl = `http://127.0.0.1:${port}/simulator`;
  const config = loadAppConfig({
    MPESA_ENV: 'simulator',
    MPESA_BASE_URL: simulatorUrl,
    SIMULATOR_CALLBACK_DELAY_MS: '100',
    MPESA_TIMEOUT_MS: '1500',
    ...env,
  });
  const logs = new CapturingLogger();
  {
    const moduleRef = await Test.createTestingModule({
      imports: [AppConfigModule.forRoot(config), AuthModule, SimulatorModule, MpesaModule],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: logs });
    const connections = { count: 0 };
    app.getHttpServer().on('connection', () => connections.count++);
    await app.listen(port, '127.0.0.1');
    let serial = 0;

    const simulator = async (path: string, body?: unknown) => {
      const response = await fetch(`${simulatorUrl}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as JsonBody };
    };

    return {
      app,
      config,
      simulatorUrl,
      client: app.get(DarajaClient),
      callbacks,
      logs,
      connections,
      callbackUrl: (tag = 'cb') => `${callbacks.url}/api/stk-callback/${tag}`,
      pushRequest(phoneNumber, changes = {}) {
        return { phoneNumber, amount: 100, accountReference: `REF${++serial}`, transactionDesc: 'Referral fee', callbackUrl: `${callbacks.url}/api/stk-callback/test`, ...changes };
      },
      clientWith(changes) {
        const custom = { ...config, mpesa: { ...config.mpesa, ...changes } } as AppConfig;
        const transport = new DarajaHttpTransport(custom);
        return new DarajaClient(custom, new DarajaTokenCache(custom, transport), transport);
      },
      groundTruth: async () => (await simulator('/transactions')).body as GroundTruth,
      simulator,
      reset: async () => {
        await simulator('/reset', {});
      },
      close: async () => {
        await app.close();
        await callbacks.close();
      },
    };
  }
}
