// Settings every HTTP app gets, in production and in tests alike.
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config';
import { refuseUnusableJson } from '../common/json-body-guard';
import { requireJsonBodies } from '../common/json-content-type';
import { appConfig } from '../config/config.module';
import { serveDashboard } from '../dashboard/dashboard.static';
import { CALLBACK_PATH_PREFIX, createCallbackGate } from '../payments/callbacks/callback-gate.middleware';
import { answerErrorsInDarajaEnvelope, SIMULATOR_PATH_PREFIX } from '../mpesa/simulator/daraja-error-envelope';
import { mountQueueDashboard } from '../observability/queue-dashboard';
import { refuseWhileShuttingDown } from './graceful-shutdown';
import { setupOpenApi } from './openapi';

/** Options for NestFactory.create / createNestApplication. rawBody keeps callbacks byte-exact. */
export const HTTP_APP_OPTIONS = { rawBody: true, bufferLogs: true } as const;

/** Callbacks and API bodies are small; anything larger is refused with 413 before it is parsed. */
export const JSON_BODY_LIMIT = '64kb';

export function configureHttpApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  const config = app.get<AppConfig>(appConfig.KEY);
  express.useLogger(app.get(Logger));
  // req.ip (callback allowlist, per-address rate limits) reads X-Forwarded-For only when the
  // connection comes from a configured proxy; with none configured, never.
  express.set('trust proxy', config.trustedProxies.length > 0 ? [...config.trustedProxies] : false);
  const simulator = config.mpesa.env === 'simulator';
  // First: every answer under /simulator, errors raised by the middleware below included, is Daraja's.
  if (simulator) express.use(SIMULATOR_PATH_PREFIX, answerErrorsInDarajaEnvelope);
  express.use(refuseWhileShuttingDown);
  // Before the body parser: a forged or misdirected callback is refused without reading its body.
  express.use(CALLBACK_PATH_PREFIX, createCallbackGate(config.mpesa));
  // Bodies under /api and /simulator are JSON or nothing (415 saying what to send); the callback keeps its 400.
  express.use(requireJsonBodies(['/api/', ...(simulator ? [`${SIMULATOR_PATH_PREFIX}/`] : [])], [`${CALLBACK_PATH_PREFIX}/`]));
  express.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  express.use(refuseUnusableJson);
  express.disable('x-powered-by');
  express.use(helmet());
  mountQueueDashboard(app); // /admin/queues, admin keys only
  serveDashboard(express); // /dashboard: a static page, public; its data calls carry the key
  setupOpenApi(app);
}
