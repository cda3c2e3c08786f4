// `npm run openapi`: writes docs/openapi.json from the code, without Postgres or Redis.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateOpenApiDocument, serializeOpenApiDocument } from '../src/app/openapi';

export const OPENAPI_FILE = resolve(__dirname, '..', 'docs', 'openapi.json');

async function main(): Promise<void> {
  const document = await generateOpenApiDocument();
  writeFileSync(OPENAPI_FILE, serializeOpenApiDocument(document));
  console.log(`Wrote ${OPENAPI_FILE} (${Object.keys(document.paths).length} paths)`);
}

main().catch((error: unknown) => {
  console.error('Generating the OpenAPI document failed:', error);
  process.exit(1);
});
