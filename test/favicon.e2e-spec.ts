// Browsers fetch /favicon.ico on every page; it must not be a 404 (issue 15, item 7).
import { startTestApp, TestApp } from './support/test-app';

describe('GET /favicon.ico', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ role: 'api' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 204 without a key, cacheable for a day', async () => {
    const res = await fetch(`${t.baseUrl}/favicon.ico`);
    expect(res.status).toBe(204);
    expect(res.headers.get('cache-control')).toBe('public, max-age=86400');
    expect(await res.text()).toBe('');
  });
});
