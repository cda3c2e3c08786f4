// Claims an Idempotency-Key, and remembers the first answer to it for 24 hours.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export const IDEMPOTENCY_TTL_HOURS = 24;
/** A claim this old whose request never finished belonged to a process that died; it can be taken over. */
const ABANDONED_CLAIM_SECONDS = 120;

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'different-request' }
  | { kind: 'in-progress' };

@Injectable()
export class IdempotencyStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async claim(scope: string, key: string, requestHash: string): Promise<Claim> {
    const claimed: unknown[] = await this.dataSource.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, state) VALUES ($1, $2, $3, 'in-progress')
       ON CONFLICT (scope, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, state = 'in-progress', response_status = NULL, response_body = NULL, created_at = now()
         WHERE idempotency_keys.created_at < now() - ($4::int * interval '1 hour')
            OR (idempotency_keys.state = 'in-progress' AND idempotency_keys.created_at < now() - ($5::int * interval '1 second'))
       RETURNING 1`,
      [scope, key, requestHash, IDEMPOTENCY_TTL_HOURS, ABANDONED_CLAIM_SECONDS],
    );
    if (claimed.length > 0) return { kind: 'claimed' };
    const [existing] = await this.dataSource.query(
      `SELECT request_hash, state, response_status, response_body FROM idempotency_keys WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
    if (!existing) return this.claim(scope, key, requestHash); // expired and deleted in between
    if (existing.request_hash !== requestHash) return { kind: 'different-request' };
    if (existing.state === 'in-progress') return { kind: 'in-progress' };
    return { kind: 'replay', status: existing.response_status, body: existing.response_body };
  }

  async complete(scope: string, key: string, status: number, body: unknown): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET state = 'done', response_status = $3, response_body = $4::jsonb WHERE scope = $1 AND key = $2`,
      [scope, key, status, JSON.stringify(body ?? null)],
    );
  }

  /** The request failed unexpectedly: forget the key so the client can try again with it. */
  async release(scope: string, key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND state = 'in-progress'`, [scope, key]);
  }

  async purgeExpired(): Promise<number> {
    const result: [unknown, number] = await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE created_at < now() - ($1::int * interval '1 hour')`,
      [IDEMPOTENCY_TTL_HOURS],
    );
    return result[1] ?? 0;
  }
}
