// Every route a client or operator can reach, with the role the contract gives it: the API
// routes from the contract's tables (../shared/CONTRACT.md), and the operational ones from its
// "Operations" section. The security tests are driven by this list and check it against the
// checked-in OpenAPI document (x-required-role) and, when present, the contract file itself.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Access = 'public' | 'staff' | 'admin';

export interface Route {
  method: 'GET' | 'POST' | 'PATCH';
  /** Express style: `/api/referrals/:id`. */
  path: string;
  access: Access;
  /** `api`: in the contract's tables and the OpenAPI document; `operational`: around them. */
  kind: 'api' | 'operational';
  /** Takes a JSON body. */
  json?: boolean;
}

export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/api/referrals', access: 'staff', kind: 'api', json: true },
  { method: 'GET', path: '/api/referrals', access: 'staff', kind: 'api' },
  { method: 'GET', path: '/api/referrals/:id', access: 'staff', kind: 'api' },
  { method: 'PATCH', path: '/api/referrals/:id/status', access: 'staff', kind: 'api', json: true },
  { method: 'POST', path: '/api/referrals/:id/payments', access: 'staff', kind: 'api', json: true },
  { method: 'POST', path: '/api/referrals/:id/payments/retry', access: 'staff', kind: 'api' },
  { method: 'GET', path: '/api/referrals/:id/payments', access: 'staff', kind: 'api' },
  { method: 'POST', path: '/api/mpesa/stk-push', access: 'staff', kind: 'api', json: true },
  { method: 'GET', path: '/api/payments', access: 'admin', kind: 'api' },
  { method: 'GET', path: '/api/payments/pending', access: 'admin', kind: 'api' },
  { method: 'GET', path: '/api/payments/stats', access: 'admin', kind: 'api' },
  { method: 'GET', path: '/api/payments/by-phone/:phoneNumber', access: 'admin', kind: 'api' },
  { method: 'GET', path: '/api/payments/:id', access: 'staff', kind: 'api' },
  { method: 'POST', path: '/api/payments/:id/retry', access: 'staff', kind: 'api' },
  { method: 'POST', path: '/api/update-payment-status', access: 'admin', kind: 'api', json: true },
  { method: 'GET', path: '/api/payments/events', access: 'staff', kind: 'api' },
  { method: 'POST', path: '/api/stk-callback/:token', access: 'public', kind: 'api', json: true },
  { method: 'GET', path: '/health/live', access: 'public', kind: 'operational' },
  { method: 'GET', path: '/health/ready', access: 'public', kind: 'operational' },
  { method: 'GET', path: '/metrics', access: 'public', kind: 'operational' },
  { method: 'GET', path: '/docs', access: 'public', kind: 'operational' },
  { method: 'GET', path: '/docs-json', access: 'public', kind: 'operational' },
  { method: 'GET', path: '/dashboard', access: 'public', kind: 'operational' },
  { method: 'GET', path: '/admin/queues', access: 'admin', kind: 'operational' },
  { method: 'GET', path: '/admin/queues/api/queues', access: 'admin', kind: 'operational' },
  { method: 'GET', path: '/simulator/scenarios', access: 'public', kind: 'operational' },
  { method: 'GET', path: '/simulator/transactions', access: 'public', kind: 'operational' },
];

export const routeName = (r: Pick<Route, 'method' | 'path'>) => `${r.method} ${r.path}`;

const ROOT = join(__dirname, '..', '..');

/** Operations of docs/openapi.json as `METHOD /path/:param` → x-required-role. */
export function openApiRoles(): Map<string, string> {
  const doc = JSON.parse(readFileSync(join(ROOT, 'docs/openapi.json'), 'utf8')) as {
    paths: Record<string, Record<string, { 'x-required-role'?: string }>>;
  };
  const roles = new Map<string, string>();
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (typeof operation !== 'object' || !operation || !('responses' in operation)) continue;
      roles.set(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, operation['x-required-role'] ?? 'none');
    }
  }
  return roles;
}

/** The contract's route tables (`| \`METHOD /path\` | role |`) and its callback, when the file is at hand. */
export function contractRoles(): Map<string, string> | null {
  const file = [process.env.CONTRACT_FILE, join(ROOT, '..', 'shared', 'CONTRACT.md')].find((f) => f && existsSync(f));
  if (!file) return null;
  const roles = new Map<string, string>();
  for (const match of readFileSync(file, 'utf8').matchAll(/^\| `(GET|POST|PATCH|PUT|DELETE) (\/[^`]+)` \| (\w+) \|/gm)) {
    roles.set(`${match[1]} ${match[2]}`, match[3]);
  }
  if (/`POST \/api\/stk-callback\/:token`, no API key/.test(readFileSync(file, 'utf8'))) roles.set('POST /api/stk-callback/:token', 'public');
  return roles;
}
