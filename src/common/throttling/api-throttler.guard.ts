// Limits requests per API key (or per address for requests without one). M-Pesa callbacks are
// never limited (Daraja does not retry them), nor are health checks, metrics or the simulator.
import { createHash } from 'node:crypto';
import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request } from 'express';
import { presentedApiKey } from '../../auth/api-key.guard';

const UNLIMITED_PREFIXES = ['/api/stk-callback/', '/health/', '/metrics', '/simulator/'];

@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const key = presentedApiKey(req as unknown as Request);
    // A digest, so the key itself is never written to Redis.
    if (key) return `key:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
    return `ip:${(req as unknown as Request).ip ?? 'unknown'}`;
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const path = context.switchToHttp().getRequest<Request>().path;
    return UNLIMITED_PREFIXES.some((prefix) => path.startsWith(prefix));
  }
}
