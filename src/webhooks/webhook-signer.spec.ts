import { Webhook } from 'standardwebhooks';
import fc from 'fast-check';
import { generateWebhookSecret, PREVIOUS_SECRET_LIFETIME_MS, sign, signatureHeaders, signingSecrets } from './webhook-signer';

describe('webhook signing', () => {
  const rotatedAt = new Date('2026-11-20T08:00:00.000Z');
  const endpoint = { secret: generateWebhookSecret(), previousSecret: generateWebhookSecret(), previousSecretExpiresAt: new Date(rotatedAt.getTime() + PREVIOUS_SECRET_LIFETIME_MS) };

  it('makes whsec_ secrets of 32 random bytes', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });

  it('signs with both secrets until 24 h after the rotation, then only with the new one', () => {
    expect(signingSecrets(endpoint, new Date(rotatedAt.getTime() + PREVIOUS_SECRET_LIFETIME_MS - 1))).toEqual([endpoint.secret, endpoint.previousSecret]);
    expect(signingSecrets(endpoint, new Date(rotatedAt.getTime() + PREVIOUS_SECRET_LIFETIME_MS))).toEqual([endpoint.secret]);
    expect(signingSecrets({ ...endpoint, previousSecret: null, previousSecretExpiresAt: null }, rotatedAt)).toEqual([endpoint.secret]);
  });

  it('produces headers the standardwebhooks library verifies with either secret', () => {
    const now = new Date();
    const body = JSON.stringify({ id: 'evt', type: 'payment.completed', createdAt: now.toISOString(), data: { id: 'p' } });
    const headers = signatureHeaders({ ...endpoint, previousSecretExpiresAt: new Date(now.getTime() + 1000) }, 'evt', body, now);
    expect(headers['webhook-id']).toBe('evt');
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(now.getTime() / 1000)));
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(endpoint.secret).verify(body, { ...headers })).toMatchObject({ id: 'evt' });
    expect(new Webhook(endpoint.previousSecret).verify(body, { ...headers })).toMatchObject({ id: 'evt' });
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow();
    expect(() => new Webhook(endpoint.secret).verify(`${body} `, { ...headers })).toThrow();
  });

  it('signs exactly as the standardwebhooks library signs, whatever the body', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.uuid(), fc.integer({ min: 0, max: 4_000_000_000 }), (body, id, seconds) => {
        const secret = generateWebhookSecret();
        expect(sign(secret, id, seconds, body)).toBe(new Webhook(secret).sign(id, new Date(seconds * 1000), body));
      }),
      { numRuns: 200 },
    );
  });
});
