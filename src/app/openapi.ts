// The OpenAPI document, built from the controllers' decorators: served at /docs (UI) and
// /docs-json, checked in as docs/openapi.json (`npm run openapi`), and compared with the code by
// test/openapi.e2e-spec.ts so the two cannot drift apart.
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import packageJson from '../../package.json';
import { ERROR_HTTP_STATUS, ErrorCode } from '../common/domain-error';
import { ERROR_DOCS } from '../common/openapi/api-errors.decorator';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/openapi/api-role.decorator';
import { loadAppConfig } from '../config/app-config';
import { rootModuleFor } from './app.module';

/** The UI is served here, the JSON at `/${DOCS_PATH}-json`. */
export const DOCS_PATH = 'docs';

const ERROR_TABLE = [
  '| HTTP | code | when |',
  '|---|---|---|',
  ...(Object.keys(ERROR_HTTP_STATUS) as ErrorCode[]).map((code) => `| ${ERROR_HTTP_STATUS[code]} | \`${code}\` | ${ERROR_DOCS[code].meaning} |`),
].join('\n');

const DESCRIPTION = `Payment tracking for medical referrals, collecting fees through M-Pesa STK Push (Safaricom Daraja).

**Authentication.** Every \`/api\` route except the M-Pesa callback needs an API key, sent as \`X-API-Key: <key>\` or \`Authorization: Bearer <key>\`. No key or an unknown key answers 401; a known key without the route's role answers 403. Roles are \`staff\` and \`admin\`; \`admin\` can do everything \`staff\` can. Each operation states its role in its description and in \`x-required-role\`.

**Conventions.** JSON everywhere; IDs are UUIDs; times are ISO 8601 UTC strings; money is whole KES. Phone numbers are accepted in any common Kenyan form (\`0712 345 678\`, \`+254712345678\`, \`712345678\`, …) and always returned as \`2547XXXXXXXX\` (or \`2541XXXXXXXX\`). Unknown body fields are refused (400). Bodies over 64 KB answer 413 (the statement upload, multipart, takes up to 10 MB).

**Lists.** Routes answering a page take \`?limit=\` (1 to 200, default 50) and \`?cursor=\` and answer \`{"items": [...], "nextCursor": "…" | null}\`; pass \`nextCursor\` back as \`cursor\` for the next page.

**Idempotency.** The POSTs that start a payment accept an \`Idempotency-Key\` header: the same key with the same body within 24 h answers the first answer again and starts nothing; with a different body 422; while the first request still runs, 409.

**Errors** all have the shape \`{"statusCode": 409, "code": "INVALID_TRANSITION", "message": "…"}\`, sometimes with more fields (\`fields\` for validation errors, \`paymentId\`, \`requestId\` on 5xx). Switch on \`code\`:

${ERROR_TABLE}`;

function sortedByKey<T>(record: Record<string, T> | undefined): Record<string, T> | undefined {
  return record && Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Builds the document from the controllers registered in `app` (initialised or not). */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Referral payments API')
    .setDescription(DESCRIPTION)
    .setVersion(packageJson.version)
    .addSecurity(API_KEY_SCHEME, { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key (role `staff` or `admin`).' })
    .addSecurity(BEARER_SCHEME, { type: 'http', scheme: 'bearer', description: 'The same API key, as `Authorization: Bearer <key>`.' })
    .addTag('Referrals', 'Patient referrals and their status workflow.')
    .addTag('Payments', 'M-Pesa STK Push payments of referrals: starting, tracking, retrying, correcting, statistics.')
    .addTag('M-Pesa callback', 'Where Safaricom Daraja posts STK Push results.')
    .addTag('Reconciliation', "Our books against M-Pesa's: importing the org-portal statement, and the reports.")
    .addTag('Operations', 'Health checks.')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  // Key order follows module registration; sorting makes the checked-in file's diffs readable.
  document.paths = sortedByKey(document.paths) ?? {};
  if (document.components) document.components.schemas = sortedByKey(document.components.schemas);
  return document;
}

/** Serves the UI at /docs and the JSON at /docs-json; plain Express routes, outside the API-key guard. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app), {
    raw: ['json'],
    customSiteTitle: 'Referral payments API',
  });
}

/**
 * The document without a running service: a preview app registers every module and controller but
 * instantiates no provider, so nothing connects to Postgres or Redis. The API role in simulator mode
 * (the defaults) has exactly the API's routes, the simulator being excluded from the document.
 */
export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
  const config = loadAppConfig({ PROCESS_ROLE: 'api' });
  const app = await NestFactory.create(rootModuleFor(config), { preview: true, logger: false, abortOnError: false });
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** The checked-in form: 2-space JSON with a trailing newline. */
export function serializeOpenApiDocument(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
