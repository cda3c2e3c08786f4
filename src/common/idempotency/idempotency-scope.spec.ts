import { scopeOf } from './idempotency.interceptor';

describe('Idempotency-Key scope', () => {
  it('is the method and path, which fit the column', () => {
    expect(scopeOf('POST', '/api/referrals/8c0f/payments')).toBe('POST /api/referrals/8c0f/payments');
  });

  it('names an overlong path by its digest, so it still fits in 200 characters', () => {
    const long = `/api/referrals/${'a'.repeat(5000)}/payments`;
    const scope = scopeOf('POST', long);
    expect(scope.length).toBeLessThanOrEqual(200);
    expect(scope).toMatch(/^POST sha256:[0-9a-f]{64}$/);
    expect(scopeOf('POST', `${long}x`)).not.toBe(scope);
  });
});
