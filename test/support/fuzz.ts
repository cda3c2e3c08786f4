// Shared pieces of the property-based fuzzers (fast-check): run budget and seed, and arbitraries
// for the parts of an HTTP request a client controls: path segments, query strings, headers and
// bodies, from well-formed to hostile.
import fc from 'fast-check';

/**
 * Runs per route: `FUZZ_RUNS` (default 100, which keeps the CI profile near a minute). The seed is
 * fixed for CI (`FUZZ_SEED`, default below) so a failure reproduces; each route derives its own.
 */
export const FUZZ_RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 100));
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20260808);

export function fuzzParameters(routeIndex: number, runs = FUZZ_RUNS): fc.Parameters<unknown> {
  return { numRuns: runs, seed: (FUZZ_SEED + routeIndex * 7919) | 0, endOnFailure: true, interruptAfterTimeLimit: 5 * 60_000 };
}

const PATH_CHARS = [...'abcdefABCDEF0123456789-._~!$&\'()*+,;=:@%'];
const URI_SAFE = fc.string({ unit: fc.constantFrom(...PATH_CHARS), maxLength: 40 });

/** One path segment: encoded text, raw punctuation, broken escapes, traversal, very long. */
export const pathSegment = fc.oneof(
  fc.uuid().map(String),
  URI_SAFE,
  fc.string({ maxLength: 30, unit: 'grapheme' }).map(encodeURIComponent),
  fc.constantFrom('%', '%E0%A4%A', '%zz', '%00', '%2F', '%2e%2e', '..', '%C0%AF', '%FF%FE', 'null', 'undefined', '0', '-1', '1e309', '__proto__', 'constructor'),
  fc.integer({ min: 1, max: 5000 }).map((n) => 'a'.repeat(n)),
);

/** A query string with known and unknown keys, repeated keys, bracket notation and broken escapes. */
export function queryString(knownKeys: string[]) {
  const key = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...knownKeys, 'limit') },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'a[b]', 'status[]', 'cursor') },
    { weight: 1, arbitrary: URI_SAFE },
  );
  const value = fc.oneof(
    URI_SAFE,
    fc.string({ maxLength: 30, unit: 'grapheme' }).map(encodeURIComponent),
    fc.integer().map(String),
    fc.constantFrom('', '0', '-1', '201', '1e3', 'pending', 'completed', 'paid', '2026-01-01', '2026-13-45', '9999-12-31T23:59:59Z', '0001-01-01', '0000-12-31', '%2B010000-01-01', '2026-01-01T10:00:00+03:00', 'czo5MjIzMzcyMDM2ODU0Nzc1ODA4', 'YzoyNTM0MDIzMDA4MDAwMDAwMDA6MQ', '%', '%zz', '%00', 'a%00b', '+254%20712%20000%20001'),
  );
  return fc.array(fc.tuple(key, fc.option(value, { nil: undefined })), { maxLength: 6 }).map((pairs) =>
    pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join('&')}`,
  );
}

const VISIBLE = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
const TOKEN_CHARS = [...'abcdefghijklmnopqrstuvwxyz0123456789-_'];

/** Content types a client may send, including wrong, broken and unsupported ones. */
export const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'APPLICATION/JSON', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=xyz', 'application/xml', 'application/merge-patch+json', '*/*', '', ';;;', 'application/json; charset="') },
  { weight: 1, arbitrary: VISIBLE },
);

/** Sometimes `value`, mostly nothing: headers that stop a request early must not crowd out the rest. */
const rarely = <T>(value: fc.Arbitrary<T>, oneIn: number) => fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });

/** Extra headers: an Idempotency-Key, a request id, a body encoding, forwarding, and anything else. */
export const extraHeaders = fc
  .tuple(
    rarely(fc.oneof(VISIBLE, fc.uuid().map(String), fc.constant('x'.repeat(201))), 2),
    rarely(VISIBLE, 3),
    rarely(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'compress', 'x-unknown'), 10),
    rarely(fc.constantFrom('196.201.214.200', '1.2.3.4, 196.201.214.200', 'garbage', ''), 8),
    rarely(fc.constantFrom('*/*', 'text/event-stream', 'application/xml', ''), 5),
    rarely(fc.tuple(fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 20 }), VISIBLE), 4),
  )
  .map(([idempotencyKey, requestId, encoding, forwardedFor, accept, custom]) => {
    const headers: Record<string, string> = {};
    if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
    if (requestId !== undefined) headers['X-Request-Id'] = requestId;
    if (encoding !== undefined) headers['Content-Encoding'] = encoding;
    if (forwardedFor !== undefined) headers['X-Forwarded-For'] = forwardedFor;
    if (accept !== undefined) headers.Accept = accept;
    if (custom !== undefined) headers[`x-fuzz-${custom[0]}`] = custom[1];
    return headers;
  });

/** Values for a JSON field: right type, wrong type, edge values, hostile strings, nesting. */
export const fieldValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 250000, 250001, 2 ** 53 + 1, 10.5, 1e309, '1000', '', ' ', null, true, [], {}, ['0712345678'], { $gt: '' }),
  fc.constantFrom('0712345678', '+254712345678', '254712345678', '712345678', '0112345678', '07123456789', '2547123456', '+254 712 345 678', '0712-345-678', '254700000102'),
  fc.constantFrom('pending-admin', 'awaiting-biodata', 'pending-payment', 'paid', 'confirmed', 'cancelled', 'rejected', 'completed', 'failed', 'pending'),
  fc.constantFrom("'; DROP TABLE payments; --", '<script>alert(1)</script>', '${jndi:ldap://x}', '\u0000', '\ud800', 'x'.repeat(5000), '{{7*7}}', '../../etc/passwd'),
  // Control characters anywhere in a string: Postgres cannot store NUL.
  fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom('\u0000', '\u0001', '\u001f', '\u007f', '\u2028'), fc.string({ maxLength: 10 })).map(([a, c, b]) => `${a}${c}${b}`),
);

/** A JSON object shaped like a DTO: some of its fields, each with any value, and unknown keys. */
export function dtoBody(fields: Record<string, fc.Arbitrary<unknown>>) {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, valid] of Object.entries(fields)) model[name] = fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: fieldValue });
  const unknownKeys = fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', 'id', 'status', 'role', 'admin', 'referralId'), fieldValue, { minKeys: 1, maxKeys: 2 });
  return fc
    .tuple(fc.record(model, { requiredKeys: [] }), fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: unknownKeys }))
    .map(([known, unknown]) => ({ ...unknown, ...known }));
}

/** The raw bytes of a body: JSON of an object, of anything, broken JSON, deep nesting, none. */
export function rawBody(shaped: fc.Arbitrary<unknown>, shapedWeight = 5): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: shapedWeight, arbitrary: shaped.map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: shaped.map((v) => JSON.stringify(v)).chain((s) => fc.nat({ max: Math.max(0, s.length - 1) }).map((n) => s.slice(0, n))) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200, unit: 'binary' }) },
    { weight: 1, arbitrary: fc.constantFrom('{"__proto__": {"admin": true}}', '{"constructor": {"prototype": {"x": 1}}}', 'null', '[]', '"text"', '1', '{', '{"a":1,"a":2}', '\ufeff{}', '{"patientName": "\\ud800"}') },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 5_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`) },
  );
}
