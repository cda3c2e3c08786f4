// Route metadata for the API-key guard: which role a route needs, or that it needs none.
import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { ApiRole } from '../config/config-validators';

export const REQUIRED_ROLE = 'auth:required-role';
export const PUBLIC_ROUTE = 'auth:public';

/** The minimum role a route needs. Routes without it need `staff`: the guard denies by default. */
export const RequireRole = (role: ApiRole) => SetMetadata(REQUIRED_ROLE, role);

/** Routes reached without an API key (health, callback, simulator, docs). */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

export interface Principal {
  role: ApiRole;
}

export interface AuthenticatedRequest {
  principal?: Principal;
}

/** The caller's principal, set by the ApiKeyGuard. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.principal) throw new Error('CurrentPrincipal used on a public route');
  return request.principal;
});
