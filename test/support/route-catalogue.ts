// Every route a client or operator can reach, with the role the contract gives it: the API
// routes from the route tables of docs/api.md (the repository's own reference, kept equal to the
// contract), and the operational ones from its "Operations" section. The security tests are driven
// by this list and check it against the checked-in OpenAPI document (x-required-role), docs/api.md
// and, where the customer's contract file is at hand, that file too.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Access = 'public' | 'staff' | 'admin';

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
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
  { method: 'GET', path: '/api/payments/stats/series', access: 'admin', kind: 'api' },
  { method: 'GET', path: '/api/payments/by-phone/:phoneNumber', access: 'admin', kind: 'api' },
  { method: 'GET', path: '/api/payments/:id', access: 'staff', kind: 'api' },
  { method: 'POST', path: '/api/payments/:id/retry', access: 'staff', kind: 'api' },
  { method: 'POST', path: '/api/update-payment-status', access: 'admin', kind: 'api', json: true },
  { method: 'GET', path: '/api/payments/events', access: 'staff', kind: 'api' },
  { method: 'GET', path: '/api/receipts', access: 'admin', kind: 'api' },
  { method: 'GET', path: '/api/receipts/:receipt', access: 'admin', kind: 'api' },
  { method: 'POST', path: '/api/receipts/:receipt/resolve', access: 'admin', kind: 'api', json: true },
  { method: 'POST', path: '/api/receipts/:receipt/verify', access: 'admin', kind: 'api' },
  { method: 'POST', path: '/api/receipts/:receipt/refund', access: 'admin', kind: 'api', json: true },
  { method: 'POST', path: '/api/webhooks', access: 'admin', kind: 'api', json: true },
  { method: 'GET', path: '/api/webhooks', access: 'admin', kind: 'api' },
  { method: 'GET', path: '/api/webhooks/:id', access: 'admin', kind: 'api' },
  { method: 'PATCH', path: '/api/webhooks/:id', access: 'admin', kind: 'api', json: true },
  { method: 'DELETE', path: '/api/webhooks/:id', access: 'admin', kind: 'api' },
  { method: 'POST', path: '/api/webhooks/:id/rotate-secret', access: 'admin', kind: 'api' },
  { method: 'GET', path: '/api/webhooks/:id/deliveries', access: 'admin', kind: 'api' },
  { method: 'POST', path: '/api/webhooks/deliveries/:id/redeliver', access: 'admin', kind: 'api' },
  { method: 'POST', path: '/api/reconciliation/statements', access: 'admin', kind: 'api' },
  { method: 'GET', path: '/api/reconciliation/reports', access: 'admin', kind: 'api' },
  { method: 'GET', path: '/api/reconciliation/reports/:id', access: 'admin', kind: 'api' },
  // Last of the API routes: the callback it stores is applied in the background, and the cells after
  // it (public: the results route, operational) do not compare the database before and after.
  { method: 'POST', path: '/api/stk-callback/:token', access: 'public', kind: 'api', json: true },
  { method: 'POST', path: '/api/mpesa/results/:token/:kind', access: 'public', kind: 'api', json: true },
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

/**
 * Routes the contract names that are not built yet, each with the issue that brings it. They must
 * not be served (the matrix would otherwise miss them): moving one into ROUTES is part of its issue.
 */
export const PLANNED_ROUTES: readonly (Pick<Route, 'method' | 'path' | 'access'> & { issue: number })[] = [
];

const ROUTE_ROW = /^\| `(GET|POST|PATCH|PUT|DELETE) (\/[^`]+)` \| (\w+) \|/gm;

function routeRows(markdown: string): Map<string, string> {
  const roles = new Map<string, string>();
  for (const match of markdown.matchAll(ROUTE_ROW)) roles.set(`${match[1]} ${match[2]}`, match[3]);
  return roles;
}

/** `## Heading` → the text under it, up to the next `## `. */
function sections(markdown: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const part of markdown.split(/^## /m).slice(1)) {
    const newline = part.indexOf('\n');
    result.set(part.slice(0, newline).trim(), part.slice(newline + 1));
  }
  return result;
}

export interface DocumentedRoutes {
  /** The route tables of every section but "Operations" and "Not built yet": the routes served now. */
  built: Map<string, string>;
  /** The "Not built yet" table: route → `role issue`. */
  planned: Map<string, string>;
}

/** docs/api.md, the repository's API reference. It is always there, so this never finds nothing. */
export function documentedRoutes(): DocumentedRoutes {
  const built = new Map<string, string>();
  let planned = new Map<string, string>();
  for (const [heading, body] of sections(readFileSync(join(ROOT, 'docs/api.md'), 'utf8'))) {
    if (heading === 'Operations') continue;
    if (heading === 'Not built yet') {
      planned = new Map([...body.matchAll(/^\| `(GET|POST|PATCH|PUT|DELETE) (\/[^`]+)` \| (\w+) \| (\d+) \|/gm)].map((m) => [`${m[1]} ${m[2]}`, `${m[3]} ${m[4]}`]));
      continue;
    }
    for (const [route, role] of routeRows(body)) built.set(route, role);
  }
  return { built, planned };
}

/**
 * The customer's contract file: CONTRACT_FILE, or ../shared/CONTRACT.md beside the checkout.
 * null when neither exists (a user's clone); the tests then hold docs/api.md, the repository's
 * copy of the contract's route tables, to the same checks.
 */
export function contractFile(): string | null {
  return [process.env.CONTRACT_FILE, join(ROOT, '..', 'shared', 'CONTRACT.md')].find((f): f is string => !!f && existsSync(f)) ?? null;
}

/** The contract's route tables, plus the routes its prose makes public (the callback and the Daraja results). */
export function contractRoles(file: string): Map<string, string> {
  const text = readFileSync(file, 'utf8');
  const roles = routeRows(text);
  if (/`POST \/api\/stk-callback\/:token`, no API key/.test(text)) roles.set('POST /api/stk-callback/:token', 'public');
  if (/`POST \/api\/mpesa\/results\/:token\/:kind`/.test(text)) roles.set('POST /api/mpesa/results/:token/:kind', 'public');
  return roles;
}
