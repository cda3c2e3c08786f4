// Access tokens the simulator has issued, and how many times OAuth was asked for one.
import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/** Enough for any test or demo; expired tokens are swept first, then the oldest go. */
const MAX_TOKENS = 10_000;

@Injectable()
export class SimulatorTokenStore {
  private readonly tokens = new Map<string, number>();
  /** every OAuth request received, good or bad: tests count these to prove single-flight refreshes */
  requests = 0;
  issued = 0;

  issue(ttlSeconds: number, revokeOthers = false): string {
    const now = Date.now();
    if (revokeOthers) this.tokens.clear();
    if (this.tokens.size >= MAX_TOKENS) {
      for (const [token, expiresAt] of this.tokens) if (expiresAt <= now) this.tokens.delete(token);
      while (this.tokens.size >= MAX_TOKENS) this.tokens.delete(this.tokens.keys().next().value as string);
    }
    // Opaque like Daraja's, 28 characters; base64url keeps it header-safe.
    const token = randomBytes(21).toString('base64url');
    this.tokens.set(token, now + ttlSeconds * 1000);
    this.issued++;
    return token;
  }

  isValid(token: string | null): boolean {
    if (!token) return false;
    const expiresAt = this.tokens.get(token);
    return expiresAt !== undefined && Date.now() < expiresAt;
  }

  /** Lets tests see the client's 404.001.03 path without waiting an hour. */
  expireAll(): number {
    const count = this.tokens.size;
    this.tokens.clear();
    return count;
  }

  /** Tokens stay valid, as Daraja's would: a client's cached token must not fail because a test reset the ground truth. */
  resetCounters(): void {
    this.requests = 0;
    this.issued = 0;
  }
}
