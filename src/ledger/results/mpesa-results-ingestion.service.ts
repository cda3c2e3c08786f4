// Stores a Daraja Result exactly as it arrived, with a key that makes a repeated delivery a no-op.
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ResultKind } from '../../config/app-config';
import { parseDarajaResult } from '../../mpesa/daraja-result.parser';

/** Characters of an id the lookup columns keep; the whole id stays in raw_body. */
const ID_INDEXED = 100;

export interface ResultToStore {
  kind: ResultKind;
  rawBody: string;
  body: unknown;
  conversationId: string | null;
  originatorConversationId: string | null;
  sourceIp: string | null;
  /** POSTed to QueueTimeOutURL: Daraja's queue gave up, the outcome is unknown */
  queueTimeout: boolean;
}

export interface StoredResult {
  id: string;
  /** false when the same result was delivered before */
  isNew: boolean;
}

/**
 * The same verdict for the same conversation is the same result, however it is serialised; a body
 * we cannot read as a Result is keyed by its bytes.
 */
export function resultDedupeKey(result: Pick<ResultToStore, 'kind' | 'rawBody' | 'body' | 'queueTimeout'>): string {
  let identity: string;
  try {
    const parsed = parseDarajaResult(result.body);
    identity = ['v1', result.kind, result.queueTimeout ? 'queue-timeout' : 'result', parsed.conversationId, parsed.originatorConversationId, parsed.resultCode, parsed.transactionId ?? ''].join('|');
  } catch {
    identity = `raw|${result.kind}|${result.queueTimeout}|${result.rawBody}`;
  }
  return createHash('sha256').update(identity).digest('hex');
}

function noteFor(result: ResultToStore): string | null {
  if (result.queueTimeout) return 'queue-timeout: Daraja timed the request out in its queue; outcome unknown';
  try {
    parseDarajaResult(result.body);
    return null;
  } catch (error) {
    return `unreadable: ${(error as Error).message}`.slice(0, 500);
  }
}

@Injectable()
export class MpesaResultsIngestionService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async store(result: ResultToStore): Promise<StoredResult> {
    const rows: { id: string; inserted: boolean }[] = await this.dataSource.query(
      `INSERT INTO mpesa_results (kind, conversation_id, originator_conversation_id, dedupe_key, raw_body, source_ip, queue_timeout, note)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (dedupe_key) DO UPDATE SET deliveries = mpesa_results.deliveries + 1
       RETURNING id, (xmax = 0) AS inserted`,
      [
        result.kind,
        result.conversationId?.slice(0, ID_INDEXED) ?? null,
        result.originatorConversationId?.slice(0, ID_INDEXED) ?? null,
        resultDedupeKey(result),
        result.rawBody,
        result.sourceIp,
        result.queueTimeout,
        noteFor(result),
      ],
    );
    return { id: rows[0].id, isNew: rows[0].inserted };
  }
}
