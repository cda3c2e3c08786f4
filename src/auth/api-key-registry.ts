// Resolves an API key to its role without leaking, through timing, which keys exist.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import type { ApiRole } from '../config/config-validators';
import { InjectAppConfig } from '../config/config.module';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

@Injectable()
export class ApiKeyRegistry {
  private readonly keys: { role: ApiRole; digest: Buffer }[];

  constructor(@InjectAppConfig() config: AppConfig) {
    this.keys = config.apiKeys.map((entry) => ({ role: entry.role, digest: digest(entry.key) }));
  }

  /**
   * Hashing first gives equal-length buffers for timingSafeEqual, and every key is compared
   * (no early return) so the time taken does not depend on which key matched.
   */
  roleFor(presentedKey: string): ApiRole | null {
    const presented = digest(presentedKey);
    let found: ApiRole | null = null;
    for (const key of this.keys) {
      if (timingSafeEqual(presented, key.digest)) found = key.role;
    }
    return found;
  }
}

/** `admin` can do everything `staff` can. */
export function roleSatisfies(actual: ApiRole, required: ApiRole): boolean {
  return actual === 'admin' || actual === required;
}
