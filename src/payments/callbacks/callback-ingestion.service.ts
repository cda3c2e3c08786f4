// Stores a callback body exactly as it arrived (through CallbackStore), with a key that makes a
// repeated delivery a no-op.
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { allFulfilled, MicroBatcher } from '../../common/micro-batcher';
import { parseStkCallback } from '../../mpesa/stk-callback.parser';
import { CallbackStore } from '../state/callback-store';

/** Characters of a CheckoutRequestID the lookup column keeps: far above Daraja's, far below a btree entry's limit. */
const CHECKOUT_ID_INDEXED = 100;

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

interface CallbackToStore {
  dedupeKey: string;
  checkoutRequestId: string;
  rawBody: string;
  sourceIp: string | null;
}

/**
 * Stores callbacks as they arrive. Callbacks arriving together share one INSERT and one commit
 * (MicroBatcher), and each is answered only once that commit is durable; a callback delivered
 * twice in one batch is stored once and counted twice.
 */
@Injectable()
export class CallbackIngestionService {
  private readonly batcher = new MicroBatcher<CallbackToStore, StoredCallback>({
    run: (callbacks) => this.storeBatch(callbacks),
    maxBatch: 200,
    // One INSERT at a time: callbacks arriving during one commit go together in the next.
    maxInFlight: 1,
  });

  constructor(private readonly callbackStore: CallbackStore) {}

  async store(rawBody: string, body: unknown, checkoutRequestId: string, sourceIp: string | null): Promise<StoredCallback> {
    // The column is only an index for lookups (Daraja's ids are about 30 characters); the id is kept
    // whole in raw_body. Cut so that a huge one cannot exceed a btree entry and fail the insert.
    return this.batcher.submit({ dedupeKey: callbackDedupeKey(rawBody, body), checkoutRequestId: checkoutRequestId.slice(0, CHECKOUT_ID_INDEXED), rawBody, sourceIp });
  }

  /** A batch that fails is stored callback by callback, so that one bad row fails only its own request. */
  private async storeBatch(callbacks: CallbackToStore[]): Promise<PromiseSettledResult<StoredCallback>[]> {
    try {
      return allFulfilled(await this.insert(callbacks));
    } catch (error) {
      if (callbacks.length === 1) throw error;
    }
    return Promise.allSettled(callbacks.map((callback) => this.insert([callback]).then(([stored]) => stored)));
  }

  private async insert(callbacks: CallbackToStore[]): Promise<StoredCallback[]> {
    // One row per key: ON CONFLICT cannot touch a row twice in one statement.
    const byKey = new Map<string, { callback: CallbackToStore; deliveries: number }>();
    for (const callback of callbacks) {
      const seen = byKey.get(callback.dedupeKey);
      if (seen) seen.deliveries += 1;
      else byKey.set(callback.dedupeKey, { callback, deliveries: 1 });
    }
    const result = await this.callbackStore.insertReceived([...byKey.values()].map(({ callback, deliveries }) => ({ ...callback, deliveries })));
    // Only the first delivery of a newly stored callback is new.
    const firstSeen = new Set<string>();
    return callbacks.map((callback) => {
      const row = result.get(callback.dedupeKey);
      if (!row) throw new Error('a stored callback was not returned');
      const first = !firstSeen.has(callback.dedupeKey);
      firstSeen.add(callback.dedupeKey);
      return { id: row.id, isNew: row.inserted && first };
    });
  }
}
