// supertest helpers with the test keys.
import request from 'supertest';
import type { TestApp } from './test-app';
import { ADMIN_KEY, STAFF_KEY } from './test-app';

export type Role = 'admin' | 'staff';

export const keyFor = (role: Role) => (role === 'admin' ? ADMIN_KEY : STAFF_KEY);

export function api(t: TestApp) {
  const agent = request(t.app.getHttpServer());
  return {
    get: (path: string, role: Role = 'staff') => agent.get(path).set('X-API-Key', keyFor(role)),
    post: (path: string, body?: object, role: Role = 'staff') => agent.post(path).set('X-API-Key', keyFor(role)).send(body),
    patch: (path: string, body?: object, role: Role = 'staff') => agent.patch(path).set('X-API-Key', keyFor(role)).send(body),
    raw: agent,
  };
}
