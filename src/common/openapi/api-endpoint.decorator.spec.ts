import { Controller, Get, HttpCode, INestApplication, Post } from '@nestjs/common';
import { ApiProperty, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { ERROR_HTTP_STATUS } from '../domain-error';
import { ApiEndpoint } from './api-endpoint.decorator';
import { ERROR_DOCS, errorExample } from './api-errors.decorator';

class Thing {
  @ApiProperty({ example: 'x' })
  name!: string;
}

@Controller('things')
class ThingsController {
  @Post()
  @HttpCode(202)
  @ApiEndpoint({
    summary: 'Start a thing',
    description: 'Starts it.',
    access: 'admin',
    jsonBody: true,
    idempotent: true,
    success: { status: 202, description: 'Started.', type: Thing },
    errors: ['PAYMENT_IN_PROGRESS', 'NOT_FOUND', 'INVALID_TRANSITION'],
  })
  start() {}

  @Get('stream')
  @ApiEndpoint({
    summary: 'Stream things',
    access: 'staff',
    success: { status: 200, description: 'Events.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
  })
  stream() {}

  @Get('open')
  @ApiEndpoint({ summary: 'Open', access: 'public', success: { status: 200, description: 'Fine.', type: Thing, isArray: true } })
  open() {}
}

type Operation = {
  description: string;
  security?: unknown;
  parameters?: { name: string; in: string }[];
  responses: Record<string, { content: Record<string, { examples?: Record<string, { value: { code: string; statusCode: number } }> }> }>;
  'x-required-role': string;
};

describe('ApiEndpoint', () => {
  let app: INestApplication;
  let document: OpenAPIObject;
  const op = (method: string, path: string) => (document.paths[path] as Record<string, Operation>)[method];
  const codesOf = (operation: Operation, status: number) =>
    Object.values(operation.responses[status].content['application/json'].examples ?? {}).map((e) => e.value.code);

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [ThingsController] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    document = SwaggerModule.createDocument(app, { openapi: '3.0.0', info: { title: 't', version: '1' } });
  });
  afterAll(() => app.close());

  it('has an example in the contract shape for every error code', () => {
    for (const code of Object.keys(ERROR_HTTP_STATUS) as (keyof typeof ERROR_HTTP_STATUS)[]) {
      expect(ERROR_DOCS[code].meaning).toBeTruthy();
      expect(errorExample(code)).toEqual(expect.objectContaining({ statusCode: ERROR_HTTP_STATUS[code], code, message: expect.any(String) }));
    }
  });

  it('adds the shared errors from access, body and idempotency, one response per status', () => {
    const start = op('post', '/things');
    expect(Object.keys(start.responses)).toEqual(['202', '400', '401', '403', '404', '409', '413', '415', '422', '429', '500']);
    expect(codesOf(start, 429)).toEqual(['RATE_LIMITED']);
    expect(codesOf(start, 400)).toEqual(['VALIDATION_FAILED']);
    // The catalogue's order, not the order the route listed them in.
    expect(codesOf(start, 409)).toEqual(['INVALID_TRANSITION', 'PAYMENT_IN_PROGRESS', 'IDEMPOTENCY_REQUEST_IN_PROGRESS']);
    expect(codesOf(start, 422)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(start.parameters).toEqual([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]);
  });

  it('states the access in the security requirement, the extension and the description', () => {
    const start = op('post', '/things');
    expect(start.security).toEqual([{ 'api-key': [] }, { bearer: [] }]);
    expect(start['x-required-role']).toBe('admin');
    expect(start.description).toMatch(/^Starts it\.\n\n.*Idempotency-Key.*\n\n\*\*Role:\*\* `admin`\.$/s);

    const open = op('get', '/things/open');
    expect(open.security).toBeUndefined();
    expect(open['x-required-role']).toBe('public');
    expect(Object.keys(open.responses)).toEqual(['200', '500']);
  });

  it('takes a non-JSON success answer as raw content, errors staying JSON', () => {
    const stream = op('get', '/things/stream');
    expect(stream.responses['200'].content).toEqual({ 'text/event-stream': { schema: { type: 'string' } } });
    expect(codesOf(stream, 401)).toEqual(['UNAUTHORIZED']);
    expect(stream['x-required-role']).toBe('staff');
  });
});
