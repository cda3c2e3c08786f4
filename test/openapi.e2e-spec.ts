// The OpenAPI document: the checked-in docs/openapi.json is exactly what the code generates, it
// covers the contract's routes, roles and error codes, and the running app serves it at /docs and
// /docs-json without an API key.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { INestApplication, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import request from 'supertest';
import { generateOpenApiDocument, serializeOpenApiDocument } from '../src/app/openapi';
import { ERROR_HTTP_STATUS, ErrorCode } from '../src/common/domain-error';
import { startTestApp, TestApp } from './support/test-app';

const CHECKED_IN = resolve(__dirname, '..', 'docs', 'openapi.json');

type Method = 'get' | 'post' | 'patch';
type Access = 'staff' | 'admin' | 'public';

/** Every route of CONTRACT.md's tables (and its Operations section's health routes), with its role. */
const CONTRACT_ROUTES: [Method, string, Access][] = [
  ['post', '/api/referrals', 'staff'],
  ['get', '/api/referrals', 'staff'],
  ['get', '/api/referrals/{id}', 'staff'],
  ['patch', '/api/referrals/{id}/status', 'staff'],
  ['post', '/api/referrals/{id}/payments', 'staff'],
  ['post', '/api/referrals/{id}/payments/retry', 'staff'],
  ['get', '/api/referrals/{id}/payments', 'staff'],
  ['post', '/api/mpesa/stk-push', 'staff'],
  ['get', '/api/payments', 'admin'],
  ['get', '/api/payments/pending', 'admin'],
  ['get', '/api/payments/stats', 'admin'],
  ['get', '/api/payments/stats/series', 'admin'],
  ['get', '/api/payments/by-phone/{phoneNumber}', 'admin'],
  ['get', '/api/payments/{id}', 'staff'],
  ['post', '/api/payments/{id}/retry', 'staff'],
  ['post', '/api/update-payment-status', 'admin'],
  ['get', '/api/payments/events', 'staff'],
  ['post', '/api/stk-callback/{token}', 'public'],
  ['get', '/health/live', 'public'],
  ['get', '/health/ready', 'public'],
];

const IDEMPOTENT_ROUTES: [Method, string][] = [
  ['post', '/api/referrals/{id}/payments'],
  ['post', '/api/mpesa/stk-push'],
  ['post', '/api/payments/{id}/retry'],
  ['post', '/api/referrals/{id}/payments/retry'],
];

const PAGED_ROUTES = ['/api/referrals', '/api/payments', '/api/payments/pending', '/api/payments/by-phone/{phoneNumber}'];

interface Operation {
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema?: Record<string, unknown> }[];
  responses: Record<string, { content?: Record<string, { examples?: Record<string, { value: Record<string, unknown> }> }> }>;
  'x-required-role'?: string;
}

function operations(document: OpenAPIObject): [string, string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]): [string, string, Operation] => [method, path, operation]),
  );
}

function operation(document: OpenAPIObject, method: string, path: string): Operation {
  const found = (document.paths[path] as Record<string, Operation> | undefined)?.[method];
  if (!found) throw new Error(`${method.toUpperCase()} ${path} is not in the OpenAPI document`);
  return found;
}

function errorExamples(op: Operation): { status: number; value: Record<string, unknown> }[] {
  return Object.entries(op.responses)
    .filter(([status]) => Number(status) >= 400)
    .flatMap(([status, response]) =>
      Object.values(response.content?.['application/json']?.examples ?? {}).map((example) => ({ status: Number(status), value: example.value })),
    );
}

/** `get /api/referrals/{id}` for every handler of every controller the app registered. */
function controllerRoutes(app: INestApplication): string[] {
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  return discovery.getControllers().flatMap(({ metatype }) => {
    if (!metatype) return [];
    const prototype = metatype.prototype as Record<string, object>;
    const base = String(Reflect.getMetadata(PATH_METADATA, metatype) ?? '');
    return scanner.getAllMethodNames(prototype).flatMap((name) => {
      const path: unknown = Reflect.getMetadata(PATH_METADATA, prototype[name]);
      if (typeof path !== 'string') return [];
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, prototype[name]) as RequestMethod].toLowerCase();
      const full = `/${base}/${path}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
      return [`${method} ${full.replace(/:(\w+)/g, '{$1}')}`];
    });
  });
}

function firstDifferentLine(a: string, b: string): number {
  const left = a.split('\n');
  const right = b.split('\n');
  const index = left.findIndex((line, i) => line !== right[i]);
  return (index === -1 ? left.length : index) + 1;
}

describe('OpenAPI document', () => {
  let document: OpenAPIObject;

  beforeAll(async () => {
    document = await generateOpenApiDocument();
  });

  it('is checked in as docs/openapi.json exactly as the code generates it', () => {
    const expected = serializeOpenApiDocument(document);
    let committed: string | null = null;
    try {
      committed = readFileSync(CHECKED_IN, 'utf8');
    } catch {
      // reported below
    }
    if (committed !== expected) {
      const where = committed === null ? 'is missing' : `differs from the code from line ${firstDifferentLine(committed, expected)} on`;
      throw new Error(`docs/openapi.json ${where}. Run \`npm run openapi\` and commit docs/openapi.json.`);
    }
  });

  it('declares the two ways of sending the API key', () => {
    expect(document.components?.securitySchemes).toEqual({
      'api-key': expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    expect(document.info.version).toBe((JSON.parse(readFileSync(resolve(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version);
  });

  it.each(CONTRACT_ROUTES)('documents %s %s with its role (%s)', (method, path, access) => {
    const op = operation(document, method, path);
    expect(op.summary).toBeTruthy();
    expect(op['x-required-role']).toBe(access);
    expect(op.description).toContain(access === 'public' ? 'public, no API key' : `**Role:** \`${access}\``);
    const statuses = Object.keys(op.responses).map(Number);
    expect(statuses.some((status) => status >= 200 && status < 300)).toBe(true);
    expect(statuses).toContain(500);
    if (access === 'public') {
      expect(op.security ?? []).toEqual([]);
      expect(statuses).not.toContain(401);
    } else {
      expect(op.security).toEqual([{ 'api-key': [] }, { bearer: [] }]);
      expect(statuses).toContain(401);
    }
    if (access === 'admin') expect(statuses).toContain(403);
  });

  it('leaves the simulator out, whatever MPESA_ENV is', () => {
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/simulator'))).toEqual([]);
  });

  it('gives every error answer an example per code, in the contract shape', () => {
    for (const [method, path, op] of operations(document)) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const examples = Object.values(response.content?.['application/json']?.examples ?? {});
        expect({ route: `${method} ${path} ${status}`, examples: examples.length > 0 }).toEqual({ route: `${method} ${path} ${status}`, examples: true });
      }
      for (const { status, value } of errorExamples(op)) {
        expect(value).toEqual(expect.objectContaining({ statusCode: status, code: expect.any(String), message: expect.any(String) }));
        expect(ERROR_HTTP_STATUS[value.code as ErrorCode]).toBe(status);
      }
    }
  });

  it('mentions every error code the service has, with its status', () => {
    const schemaCodes = (document.components?.schemas?.ErrorResponse as { properties: { code: { enum: string[] } } }).properties.code.enum;
    expect([...schemaCodes].sort()).toEqual(Object.keys(ERROR_HTTP_STATUS).sort());
    for (const [code, status] of Object.entries(ERROR_HTTP_STATUS)) {
      expect(document.info.description).toContain(`| ${status} | \`${code}\` |`);
    }
    const exampled = new Set(operations(document).flatMap(([, , op]) => errorExamples(op).map(({ value }) => value.code)));
    // Every code the routes can answer today; METHOD_NOT_ALLOWED has no route answering it yet.
    const answered = (Object.keys(ERROR_HTTP_STATUS) as ErrorCode[]).filter((code) => code !== 'METHOD_NOT_ALLOWED');
    expect(answered.filter((code) => !exampled.has(code))).toEqual([]);
  });

  it('shows the extra fields some errors carry', () => {
    const start = errorExamples(operation(document, 'post', '/api/referrals/{id}/payments'));
    expect(start.find(({ value }) => value.code === 'PAYMENT_IN_PROGRESS')?.value).toEqual(
      expect.objectContaining({ statusCode: 409, paymentId: expect.any(String) }),
    );
    expect(start.find(({ value }) => value.code === 'INTERNAL_ERROR')?.value).toEqual(expect.objectContaining({ statusCode: 500, requestId: expect.any(String) }));
    const create = errorExamples(operation(document, 'post', '/api/referrals'));
    expect(create.find(({ value }) => value.code === 'VALIDATION_FAILED')?.value.fields).toEqual(expect.arrayContaining([expect.objectContaining({ field: expect.any(String) })]));
    expect(create.map(({ value }) => value.code)).toEqual(expect.arrayContaining(['PAYLOAD_TOO_LARGE', 'VALIDATION_FAILED', 'UNAUTHORIZED', 'INTERNAL_ERROR']));
  });

  it.each(IDEMPOTENT_ROUTES)('documents Idempotency-Key and its answers on %s %s', (method, path) => {
    const op = operation(document, method, path);
    expect(op.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false })]));
    const codes = errorExamples(op).map(({ value }) => value.code);
    expect(codes).toEqual(expect.arrayContaining(['IDEMPOTENCY_KEY_REUSED', 'IDEMPOTENCY_REQUEST_IN_PROGRESS']));
  });

  it.each(PAGED_ROUTES)('documents the page parameters of GET %s', (path) => {
    const params = operation(document, 'get', path).parameters ?? [];
    expect(params.find((p) => p.name === 'limit')).toEqual(
      expect.objectContaining({ in: 'query', required: false, schema: expect.objectContaining({ type: 'integer', minimum: 1, maximum: 200, default: 50 }) }),
    );
    expect(params.find((p) => p.name === 'cursor')).toEqual(expect.objectContaining({ in: 'query', required: false }));
  });

  it('documents the list filters', () => {
    const names = (path: string) => (operation(document, 'get', path).parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    expect(names('/api/referrals')).toEqual(expect.arrayContaining(['status']));
    expect(names('/api/payments')).toEqual(expect.arrayContaining(['referralId', 'phoneNumber', 'status', 'from', 'to']));
    expect(names('/api/payments/stats')).toEqual(expect.arrayContaining(['from', 'to']));
    expect(names('/api/payments/stats/series')).toEqual(expect.arrayContaining(['from', 'to', 'interval']));
  });

  describe('served by the running app', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t.close());

    it('serves the document at /docs-json without an API key', async () => {
      const res = await request(t.app.getHttpServer()).get('/docs-json');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.text)).toEqual(JSON.parse(JSON.stringify(document)));
    });

    it('serves the UI at /docs without an API key', async () => {
      const res = await request(t.app.getHttpServer()).get('/docs');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('swagger-ui');
      const init = await request(t.app.getHttpServer()).get('/docs/swagger-ui-init.js');
      expect(init.status).toBe(200);
      expect(init.text).toContain('"x-required-role"');
      const bundle = await request(t.app.getHttpServer()).get('/docs/swagger-ui-bundle.js');
      expect(bundle.status).toBe(200);
    });

    it('documents every route of every controller (the simulator aside)', () => {
      const served = controllerRoutes(t.app).filter((route) => !route.includes(' /simulator'));
      const documented = new Set(operations(document).filter(([, , op]) => op['x-required-role']).map(([method, path]) => `${method} ${path}`));
      const undocumented = served.filter((route) => !documented.has(route));
      if (undocumented.length > 0) {
        throw new Error(
          `Routes without documentation: ${undocumented.join(', ')}. Give each @ApiEndpoint (src/common/openapi), ` +
            'or its controller @ApiExcludeController() if it is not part of the API, then run `npm run openapi`.',
        );
      }
      expect(served.length).toBeGreaterThanOrEqual(CONTRACT_ROUTES.length);
    });
  });
});
