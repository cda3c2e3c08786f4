// Limits requests per API key across all routes (or per address for requests without a known key). M-Pesa callbacks are
// never limited (Daraja does not retry them), nor are health checks, metrics or the simulator.
import { createHash } from 'node:crypto';
import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request } from 'express';
import { ApiKeyRegistry } from '../../auth/api-key-registry';
import { presentedApiKey } from '../../auth/api-key.guard';

const UNLIMITED_PREFIXES = ['/api/stk-callback/', '/health/', '/metrics', '/simulator/'];

@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  @Inject(ApiKeyRegistry) private readonly registry!: ApiKeyRegistry;

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const key = presentedApiKey(req as unknown as Request);
    // A digest, so the key itself is never written to Redis. Only a known key has a budget of its
    // own: an unknown one counts against its address, or each guess would start a fresh budget.
    if (key && this.registry.roleFor(key)) return `key:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
    return `ip:${(req as unknown as Request).ip ?? 'unknown'}`;
  }

  /**
   * One budget per caller across every route (the library's default key also names the route,
   * which would give a caller RATE_LIMIT_PER_MINUTE on each route separately).
   */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const path = context.switchToHttp().getRequest<Request>().path;
    return UNLIMITED_PREFIXES.some((prefix) => path.startsWith(prefix));
  }
}
