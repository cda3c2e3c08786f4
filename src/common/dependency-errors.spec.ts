import { errorToBody } from './error-body';
import { isDependencyUnavailable } from './dependency-errors';

describe('isDependencyUnavailable', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it.each([
    ['a refused connection', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['Postgres shutting down', withCode('57P01', 'terminating connection due to administrator command')],
    ['Postgres starting up', withCode('57P03', 'the database system is starting up')],
    ['a connection exception', withCode('08006')],
    ['a connection closed mid-query', new Error('Connection terminated unexpectedly')],
    ["the pool's connect timeout", new Error('timeout exceeded when trying to connect')],
    ['a fail-fast Redis command', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    ["TypeORM's wrapper", Object.assign(new Error('query failed'), { driverError: withCode('57P01') })],
    ['an AggregateError of refusals', Object.assign(new AggregateError([withCode('ECONNREFUSED')]), {})],
  ])('recognises %s', (_name, error) => {
    expect(isDependencyUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('23505')],
    ['a syntax error', withCode('42601')],
    ['a plain bug', new TypeError('x is undefined')],
    ['nothing', undefined],
  ])('leaves %s alone', (_name, error) => {
    expect(isDependencyUnavailable(error)).toBe(false);
  });

  it('answers 503 SERVICE_UNAVAILABLE for them, 500 for anything else', () => {
    expect(errorToBody(withCode('ECONNREFUSED'), 'r1')).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', requestId: 'r1' });
    expect(errorToBody(new TypeError('bug'), 'r2')).toMatchObject({ statusCode: 500, code: 'INTERNAL_ERROR' });
  });
});
