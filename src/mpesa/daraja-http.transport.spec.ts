import { DarajaTransportError, toTransportError } from './daraja-http.transport';

const fetchFailure = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });

describe('toTransportError', () => {
  it.each([
    ['ECONNREFUSED', false],
    ['ENOTFOUND', false],
    ['UND_ERR_CONNECT_TIMEOUT', false],
    ['ECONNRESET', true],
    ['UND_ERR_SOCKET', true],
    ['EPIPE', true],
  ])('%s means sent=%s', (code, sent) => {
    const error = toTransportError(fetchFailure(Object.assign(new Error(code), { code })));
    expect(error).toMatchObject({ code, sent });
  });

  it('counts a timeout as possibly sent', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(toTransportError(timeout)).toMatchObject({ code: 'TIMEOUT', sent: true });
  });

  it('finds the code inside happy-eyeballs aggregate errors', () => {
    const aggregate = new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })], 'connect failed');
    expect(toTransportError(fetchFailure(aggregate))).toMatchObject({ code: 'ECONNREFUSED', sent: false });
  });

  it('treats an unknown failure as possibly sent', () => {
    expect(toTransportError(new Error('weird'))).toEqual(expect.objectContaining({ code: 'NETWORK_ERROR', sent: true }));
    expect(toTransportError(new Error('weird'))).toBeInstanceOf(DarajaTransportError);
  });
});
