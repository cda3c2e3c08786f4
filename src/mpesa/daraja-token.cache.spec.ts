import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { DarajaHttpResponse, DarajaHttpTransport, DarajaTransportError } from './daraja-http.transport';
import { DarajaTokenCache, DarajaTokenError, parseExpiresIn } from './daraja-token.cache';

const config = { mpesa: { consumerKey: 'key', consumerSecret: 'secret' } } as AppConfig;

/** A transport whose OAuth answers the test scripts; it records every call. */
function fakeTransport(answer: () => Promise<DarajaHttpResponse>) {
  const calls: { path: string; headers: Record<string, string> }[] = [];
  const transport = {
    send: async (_method: string, path: string, headers: Record<string, string>) => {
      calls.push({ path, headers });
      return answer();
    },
  } as unknown as DarajaHttpTransport;
  return { transport, calls };
}

let serial = 0;
const tokenAnswer = (expires_in: unknown = '3599') => async () => ({ status: 200, body: { access_token: `token-${++serial}`, expires_in } });

describe('DarajaTokenCache', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(() => jest.useRealTimers());

  it('asks with Basic auth and caches the token', async () => {
    const { transport, calls } = fakeTransport(tokenAnswer());
    const cache = new DarajaTokenCache(config, transport);
    const first = await cache.get();
    expect(await cache.get()).toBe(first);
    expect(calls).toHaveLength(1);
    expect(calls[0].path).toBe('/oauth/v1/generate?grant_type=client_credentials');
    expect(calls[0].headers.Authorization).toBe(`Basic ${Buffer.from('key:secret').toString('base64')}`);
  });

  it('lets concurrent callers share one request', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { transport, calls } = fakeTransport(async () => {
      await gate;
      return tokenAnswer()();
    });
    const cache = new DarajaTokenCache(config, transport);
    const all = Promise.all(Array.from({ length: 10 }, () => cache.get()));
    release();
    const tokens = await all;
    expect(new Set(tokens).size).toBe(1);
    expect(calls).toHaveLength(1);
  });

  it.each([['3599'], [3599]])('refreshes a minute before expiry with expires_in %p', async (expiresIn) => {
    jest.useFakeTimers({ now: new Date('2025-01-01T00:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
    const { transport, calls } = fakeTransport(tokenAnswer(expiresIn));
    const cache = new DarajaTokenCache(config, transport);
    const first = await cache.get();
    jest.setSystemTime(new Date('2025-01-01T00:58:58Z')); // 3538 s: still more than 60 s left
    expect(await cache.get()).toBe(first);
    jest.setSystemTime(new Date('2025-01-01T00:59:00Z')); // 3540 s: 59 s left
    expect(await cache.get()).not.toBe(first);
    expect(calls).toHaveLength(2);
  });

  it('keeps a short-lived token for half its life instead of refetching on every call', async () => {
    jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'setImmediate'] });
    const { transport, calls } = fakeTransport(tokenAnswer(30));
    const cache = new DarajaTokenCache(config, transport);
    const first = await cache.get();
    jest.setSystemTime(14_000);
    expect(await cache.get()).toBe(first);
    jest.setSystemTime(15_000);
    expect(await cache.get()).not.toBe(first);
    expect(calls).toHaveLength(2);
  });

  it('drops a refused token only if it is still the cached one', async () => {
    const { transport, calls } = fakeTransport(tokenAnswer());
    const cache = new DarajaTokenCache(config, transport);
    const first = await cache.get();
    cache.invalidate('some-older-token');
    expect(await cache.get()).toBe(first);
    cache.invalidate(first);
    expect(await cache.get()).not.toBe(first);
    expect(calls).toHaveLength(2);
  });

  it('fails with class token on bad credentials, and nothing is cached', async () => {
    const { transport, calls } = fakeTransport(async () => ({
      status: 400,
      body: { requestId: 'x', errorCode: '400.008.01', errorMessage: 'Invalid Authentication passed' },
    }));
    const cache = new DarajaTokenCache(config, transport);
    const error = await cache.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DarajaTokenError);
    expect((error as DarajaTokenError).error).toMatchObject({ errorClass: 'token', httpStatus: 400, errorCode: '400.008.01' });
    await cache.get().catch(() => undefined);
    expect(calls).toHaveLength(2);
  });

  it('fails with class token on a 400 with an empty body', async () => {
    const { transport } = fakeTransport(async () => ({ status: 400, body: null }));
    const error = (await new DarajaTokenCache(config, transport).get().catch((e: unknown) => e)) as DarajaTokenError;
    expect(error.error).toMatchObject({ errorClass: 'token', httpStatus: 400, errorCode: null });
  });

  it('fails as retryable when Daraja is down or unreachable', async () => {
    const down = fakeTransport(async () => ({ status: 503, body: null }));
    const unreachable = fakeTransport(async () => {
      throw new DarajaTransportError(false, 'ECONNREFUSED', 'Could not connect to Daraja (ECONNREFUSED)');
    });
    for (const { transport } of [down, unreachable]) {
      const error = (await new DarajaTokenCache(config, transport).get().catch((e: unknown) => e)) as DarajaTokenError;
      expect(error.error.errorClass).toBe('retryable');
    }
  });
});

describe('parseExpiresIn', () => {
  it.each([
    ['3599', 3599],
    [3599, 3599],
    [' 60 ', 60],
    ['', null],
    ['abc', null],
    [0, null],
    [-5, null],
    [undefined, null],
  ])('%p -> %p', (raw, expected) => {
    expect(parseExpiresIn(raw)).toBe(expected);
  });
});
