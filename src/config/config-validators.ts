// Validators for the composite configuration values: API key lists, address allowlists and URLs.
import { isIP } from 'node:net';
import { registerDecorator, ValidationOptions } from 'class-validator';

export const API_ROLES = ['admin', 'staff'] as const;
export type ApiRole = (typeof API_ROLES)[number];

export interface ApiKeyEntry {
  role: ApiRole;
  key: string;
}

/** Parses `role:key,role:key`; returns what is wrong instead of throwing, so validation can name the variable. */
export function parseApiKeys(raw: string): ApiKeyEntry[] | string {
  const entries: ApiKeyEntry[] = [];
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const sep = part.indexOf(':');
    const role = sep > 0 ? part.slice(0, sep).trim() : '';
    const key = sep > 0 ? part.slice(sep + 1).trim() : '';
    // Never echo the key itself: the message ends up in start-up logs.
    if (!(API_ROLES as readonly string[]).includes(role)) return `entry ${entries.length + 1} has an unknown role`;
    if (!key) return `entry ${entries.length + 1} has an empty key`;
    if (entries.some((e) => e.key === key)) return `entry ${entries.length + 1} repeats a key`;
    entries.push({ role: role as ApiRole, key });
  }
  if (entries.length === 0) return 'no role:key pair';
  return entries;
}

export function isIpOrCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split('/');
  if (rest.length > 0) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

export function splitList(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((p) => p.trim()).filter(Boolean);
}

function stringRule(name: string, check: (v: string) => string | null, options?: ValidationOptions) {
  return (object: object, propertyName: string) => {
    let lastError = '';
    registerDecorator({
      name,
      target: object.constructor,
      propertyName,
      options: {
        ...options,
        message: () => options?.message?.toString() ?? lastError,
      },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string') {
            lastError = 'expected a text value';
            return false;
          }
          const error = check(value);
          lastError = error ?? '';
          return error === null;
        },
      },
    });
  };
}

export const IsApiKeyList = (options?: ValidationOptions) =>
  stringRule('isApiKeyList', (v) => {
    const parsed = parseApiKeys(v);
    return typeof parsed === 'string' ? `${parsed}; expected comma-separated role:key pairs, each role ${API_ROLES.join(' or ')}` : null;
  }, options);

export const IsIpOrCidrList = (options?: ValidationOptions) =>
  stringRule('isIpOrCidrList', (v) => {
    const bad = splitList(v).find((item) => !isIpOrCidr(item));
    return bad === undefined ? null : `"${bad}" is not an address; expected comma-separated IP addresses or CIDR ranges`;
  }, options);

export const IsUrlWithScheme = (options?: ValidationOptions) =>
  stringRule('isUrlWithScheme', (v) => {
    try {
      const url = new URL(v);
      return url.protocol === 'http:' || url.protocol === 'https:' ? null : 'expected an http:// or https:// URL';
    } catch {
      return 'expected an http:// or https:// URL';
    }
  }, options);
