// Stores a callback body exactly as it arrived, with a key that makes a repeated delivery a no-op.
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { parseStkCallback } from '../../mpesa/stk-callback.parser';

export interface StoredCallback {
  id: string;
  /** false when the same callback was delivered before. */
  isNew: boolean;
}

/**
 * The same outcome for the same checkout is the same callback, even if re-serialised with other
 * whitespace or key order; anything we cannot read is keyed by its bytes.
 */
export function callbackDedupeKey(rawBody: string, body: unknown): string {
  let identity: string;
  try {
    const parsed = parseStkCallback(body);
    identity = ['v1', parsed.checkoutRequestId, parsed.resultCode, parsed.mpesaReceiptNumber ?? '', parsed.amount ?? ''].join('|');
  } catch {
    identity = `raw|${rawBody}`;
  }
  return createHash('sha256').update(identity).digest('hex');
}

@Injectable()
export class CallbackIngestionService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async store(rawBody: string, body: unknown, checkoutRequestId: string, sourceIp: string | null): Promise<StoredCallback> {
    const rows: { id: string; inserted: boolean }[] = await this.dataSource.query(
      `INSERT INTO mpesa_callbacks (dedupe_key, checkout_request_id, raw_body, source_ip)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (dedupe_key) DO UPDATE SET deliveries = mpesa_callbacks.deliveries + 1
       RETURNING id, (xmax = 0) AS inserted`,
      [callbackDedupeKey(rawBody, body), checkoutRequestId.slice(0, 100), rawBody, sourceIp],
    );
    return { id: rows[0].id, isNew: rows[0].inserted };
  }
}
