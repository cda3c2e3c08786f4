// The BullMQ dashboard (bull-board) at /admin/queues, for admin keys only. Browsers are asked for
// the key through HTTP Basic auth (any user name, the key as password); tools can send X-API-Key.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import type Redis from 'ioredis';
import { ApiKeyRegistry, roleSatisfies } from '../auth/api-key-registry';
import { presentedApiKey } from '../auth/api-key.guard';
import { ALL_QUEUES } from '../queues/queue-catalogue';
import { REDIS_CLIENT, redisReady } from '../queues/redis-client.provider';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

function basicAuthPassword(request: Request): string | null {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : null;
}

export function adminOnly(registry: ApiKeyRegistry) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const key = presentedApiKey(request) ?? basicAuthPassword(request);
    const role = key ? registry.roleFor(key) : null;
    if (!role) {
      response.setHeader('WWW-Authenticate', 'Basic realm="queues", charset="UTF-8"');
      response.status(401).json({ statusCode: 401, code: 'UNAUTHORIZED', message: 'An admin API key is required' });
      return;
    }
    if (!roleSatisfies(role, 'admin')) {
      response.status(403).json({ statusCode: 403, code: 'FORBIDDEN', message: 'The queue dashboard needs the admin role' });
      return;
    }
    next();
  };
}

export function mountQueueDashboard(app: INestApplication): void {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: ALL_QUEUES.map((name) => new BullMQAdapter(app.get<Queue>(getQueueToken(name)))),
    serverAdapter,
  });
  app.use(QUEUE_DASHBOARD_PATH, adminOnly(app.get(ApiKeyRegistry)), whileRedisAnswers(app.get<Redis>(REDIS_CLIENT)), serverAdapter.getRouter());
}

/** The dashboard reads everything from Redis: while Redis is away it answers 503 at once rather than hang. */
export function whileRedisAnswers(redis: Redis) {
  return (_request: Request, response: Response, next: NextFunction): void => {
    void redisReady(redis).then((ready) => {
      if (ready) return next();
      response.status(503).json({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: 'The queue dashboard needs Redis, which cannot be reached; retry shortly' });
    });
  };
}
