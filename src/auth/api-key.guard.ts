// Global guard: X-API-Key or Authorization: Bearer, 401 for none or unknown, 403 for a missing role.
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { ApiRole } from '../config/config-validators';
import { DomainError } from '../common/domain-error';
import { ApiKeyRegistry, roleSatisfies } from './api-key-registry';
import { AuthenticatedRequest, PUBLIC_ROUTE, REQUIRED_ROLE } from './auth.decorators';

export function presentedApiKey(request: Pick<Request, 'headers'>): string | null {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header;
  const authorization = request.headers.authorization;
  const match = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match ? match[1] : null;
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly registry: ApiKeyRegistry,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const required = this.reflector.getAllAndOverride<ApiRole>(REQUIRED_ROLE, targets) ?? 'staff';

    const request = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    const key = presentedApiKey(request);
    if (!key) throw new DomainError('UNAUTHORIZED', 'An API key is required (X-API-Key or Authorization: Bearer)');
    const role = this.registry.roleFor(key);
    if (!role) throw new DomainError('UNAUTHORIZED', 'Unknown API key');
    if (!roleSatisfies(role, required)) throw new DomainError('FORBIDDEN', `This route needs the ${required} role`);
    request.principal = { role };
    return true;
  }
}
