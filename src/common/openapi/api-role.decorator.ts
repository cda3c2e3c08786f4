// The access a route needs, as the document shows it: the security requirement (either API-key
// scheme) and an `x-required-role` extension that clients and the drift test can read.
import { applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiSecurity } from '@nestjs/swagger';
import type { ApiRole as Role } from '../../config/config-validators';

/** Names of the two security schemes declared by the document (src/app/openapi.ts). */
export const API_KEY_SCHEME = 'api-key';
export const BEARER_SCHEME = 'bearer';

/** A role, or `public` for routes reached without an API key. */
export type DocumentedAccess = Role | 'public';

export const REQUIRED_ROLE_EXTENSION = 'x-required-role';

export function accessNote(access: DocumentedAccess): string {
  switch (access) {
    case 'public':
      return '**Access:** public, no API key.';
    case 'staff':
      return '**Role:** `staff` (an `admin` key works too).';
    case 'admin':
      return '**Role:** `admin`.';
  }
}

/**
 * Documentation only: the guard reads @RequireRole/@PublicRoute. Two requirement objects mean
 * either scheme will do (`X-API-Key` or `Authorization: Bearer`).
 */
export function ApiRole(access: DocumentedAccess): MethodDecorator & ClassDecorator {
  const extension = ApiExtension(REQUIRED_ROLE_EXTENSION, access);
  if (access === 'public') return applyDecorators(extension);
  return applyDecorators(ApiSecurity(API_KEY_SCHEME), ApiSecurity(BEARER_SCHEME), extension);
}
