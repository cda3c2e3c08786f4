// Settings every HTTP app of the API gets (roles api and all), in production and in tests alike.
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config';
import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import { JSON_BODY_LIMIT, refuseUnusableJson } from '../common/json-body-guard';
import { appConfig } from '../config/config.module';
import { serveDashboard } from '../dashboard/dashboard.static';
import { isCallbackPath } from '../payments/callbacks/callback-gate.middleware';
import { mountQueueDashboard } from '../observability/queue-dashboard';
import { refuseWhileShuttingDown } from './graceful-shutdown';
import { setupOpenApi } from './openapi';

/** Options for NestFactory.create / createNestApplication. rawBody keeps callbacks byte-exact. */
export const HTTP_APP_OPTIONS = { rawBody: true, bufferLogs: true } as const;

export { JSON_BODY_LIMIT };

/** JSON bodies everywhere but the callback path, which PaymentsHttpModule parses after its gate. */
function jsonOutsideCallbacks(incoming: IncomingMessage): boolean {
  const req = incoming as Request;
  return !isCallbackPath(req.originalUrl ?? req.url) && Boolean(req.is('application/json'));
}

export function configureHttpApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  const config = app.get<AppConfig>(appConfig.KEY);
  express.useLogger(app.get(Logger));
  // req.ip (callback allowlist, per-address rate limits) reads X-Forwarded-For only when the
  // connection comes from a configured proxy; with none configured, never.
  express.set('trust proxy', config.trustedProxies.length > 0 ? [...config.trustedProxies] : false);
  express.use(refuseWhileShuttingDown);
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
