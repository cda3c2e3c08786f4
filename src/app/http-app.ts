// Settings every HTTP app of the API gets (roles api and all), in production and in tests alike.
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger } from '../observability/pino-logger.module';
import type { AppConfig } from '../config/app-config';
import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import { JSON_BODY_LIMIT, refuseUnusableJson } from '../common/json-body-guard';
import { requireJsonBodies } from '../common/json-content-type';
import { appConfig } from '../config/config.module';
import { serveDashboard } from '../dashboard/dashboard.static';
import { answerErrorsInDarajaEnvelope, SIMULATOR_PATH_PREFIX } from '../mpesa/simulator/daraja-error-envelope';
import { RESULTS_PATH_PREFIX } from '../http/ledger/results/mpesa-results.controller';
import { CALLBACK_PATH_PREFIX, isCallbackPath } from '../http/payments/callbacks/callback-gate.middleware';
import { mountQueueDashboard } from '../observability/queue-dashboard';
import { STATEMENT_UPLOAD_PATH } from '../http/reconciliation/statement-upload.interceptor';
import { refuseWhileShuttingDown } from './graceful-shutdown';
import { setupOpenApi } from './openapi';

/** Options for NestFactory.create / createNestApplication. rawBody keeps callbacks byte-exact. */
export const HTTP_APP_OPTIONS = { rawBody: true, bufferLogs: true } as const;

/**
 * JSON bodies everywhere but the callback and results paths, which PaymentsHttpModule and
 * LedgerHttpModule parse after their gates.
 */
function jsonOutsideCallbacks(incoming: IncomingMessage): boolean {
  const req = incoming as Request;
  const url = req.originalUrl ?? req.url;
  return !isCallbackPath(url) && !isCallbackPath(url, RESULTS_PATH_PREFIX) && Boolean(req.is('application/json'));
}

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
  // Bodies under /api and /simulator are JSON or nothing (415 saying what to send); the callback and results keep their 400,
  // and the statement upload is multipart (its interceptor refuses anything else).
  express.use(requireJsonBodies(['/api/', ...(simulator ? [`${SIMULATOR_PATH_PREFIX}/`] : [])], [`${CALLBACK_PATH_PREFIX}/`, `${RESULTS_PATH_PREFIX}/`, STATEMENT_UPLOAD_PATH]));
  // The callback path is parsed by PaymentsHttpModule after its gate, so a forged or misdirected
  // callback is refused without its body being read.
  express.useBodyParser('json', { limit: JSON_BODY_LIMIT, type: jsonOutsideCallbacks });
  express.use(refuseUnusableJson);
  express.disable('x-powered-by');
  express.use(helmet());
  mountQueueDashboard(app); // /admin/queues, admin keys only
  serveDashboard(express); // /dashboard: a static page, public; its data calls carry the key
  setupOpenApi(app);
}

/** A worker's HTTP face (health and metrics): its logger and the shutdown refusal, nothing else. */
export function configureWorkerHttpApp(app: INestApplication): void {
  app.useLogger(app.get(Logger));
  app.use(refuseWhileShuttingDown);
}
