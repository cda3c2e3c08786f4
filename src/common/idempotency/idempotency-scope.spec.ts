import { scopeOf } from './idempotency.interceptor';

describe('Idempotency-Key scope', () => {
  const id = '8c0f2a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6';

  it('is the method, the route template and its parameters, which fit the column', () => {
    expect(scopeOf('POST', '/api/referrals/:id/payments', { id })).toBe(`POST /api/referrals/:id/payments id=${id}`);
    expect(scopeOf('POST', '/api/mpesa/stk-push')).toBe('POST /api/mpesa/stk-push');
  });

  it('names a resource the same however its UUID is spelled', () => {
    expect(scopeOf('post', '/api/referrals/:id/payments', { id: id.toUpperCase() })).toBe(scopeOf('POST', '/api/referrals/:id/payments', { id }));
  });

  it('keeps different resources and routes apart', () => {
    const other = '9c0f2a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6';
    expect(scopeOf('POST', '/api/referrals/:id/payments', { id })).not.toBe(scopeOf('POST', '/api/referrals/:id/payments', { id: other }));
    expect(scopeOf('POST', '/api/referrals/:id/payments', { id })).not.toBe(scopeOf('POST', '/api/referrals/:id/payments/retry', { id }));
    // Parameter values are encoded, so one cannot pose as another parameter list.
    expect(scopeOf('POST', '/x/:a/:b', { a: '1 b=2', b: '3' })).not.toBe(scopeOf('POST', '/x/:a/:b', { a: '1', b: '2 b=3' }));
  });

  it('names an overlong scope by its digest, so it still fits in 200 characters', () => {
    const long = 'a'.repeat(5000);
    const scope = scopeOf('POST', '/api/referrals/:id/payments', { id: long });
    expect(scope.length).toBeLessThanOrEqual(200);
    expect(scope).toMatch(/^POST sha256:[0-9a-f]{64}$/);
    expect(scopeOf('POST', '/api/referrals/:id/payments', { id: `${long}x` })).not.toBe(scope);
  });
});
