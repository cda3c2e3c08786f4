// Cursor pagination shared by every "list" answer: `?limit=&cursor=` in, `{items, nextCursor}` out.
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { DomainError } from './domain-error';

export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50, description: 'Page size.', example: 50 })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt({ message: 'limit must be an integer from 1 to 200' })
  @Min(1, { message: 'limit must be an integer from 1 to 200' })
  @Max(200, { message: 'limit must be an integer from 1 to 200' })
  limit?: number;

  @ApiPropertyOptional({ description: "The previous page's `nextCursor`; omit for the first page. Lists are ordered by `createdAt` (ties by insertion order) and a cursor names the last row's place in that order, so a walk through the pages neither repeats nor skips a row while rows are added.", pattern: '^[A-Za-z0-9_-]{1,64}$', example: 'YzoxNzY0NjIwMDAwMTIzNDU2OjEyMw' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'cursor is not a cursor this service issued' })
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;

/**
 * Lists are ordered by the createdAt they show, ties broken by the row's insertion sequence (a
 * bigint identity column): a transaction that began earlier may insert its row later, so the
 * sequence alone would disagree with the timestamps. A cursor holds the last row's position,
 * createdAt to the microsecond and seq, so pages stay stable while rows are added.
 * `s:<seq>`, the form issued before, still works: the position is then the row with that seq.
 */
export type CursorPosition = { createdAtMicros: string; seq: string } | { createdAtMicros: null; seq: string };

export type ListOrder = 'newest-first' | 'oldest-first';

const MAX_BIGINT = 9_223_372_036_854_775_807n;
/** 9999-12-31T23:59:59.999999Z: later than any createdAt, and the last instant the cursor can name. */
const MAX_CREATED_AT_MICROS = 253_402_300_799_999_999n;
const NOT_ISSUED = 'cursor is not a cursor this service issued';

export function encodeCursor(position: { createdAtMicros: string; seq: string }): string {
  return Buffer.from(`c:${position.createdAtMicros}:${position.seq}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): CursorPosition | undefined {
  if (cursor === undefined) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const current = /^c:(\d{1,18}):(\d{1,19})$/.exec(text);
  const legacy = /^s:(\d{1,19})$/.exec(text);
  // Sequences are Postgres bigints: a number past its range was never issued, and would fail the query.
  if (current && BigInt(current[1]) <= MAX_CREATED_AT_MICROS && BigInt(current[2]) <= MAX_BIGINT) {
    return { createdAtMicros: current[1], seq: current[2] };
  }
  if (legacy && BigInt(legacy[1]) <= MAX_BIGINT) return { createdAtMicros: null, seq: legacy[1] };
  throw new DomainError('VALIDATION_FAILED', NOT_ISSUED, { fields: [{ field: 'cursor', messages: [NOT_ISSUED] }] });
}

/** Microseconds since the epoch as an exact ISO 8601 instant Postgres reads to the microsecond. */
function microsToIso(micros: string): string {
  const value = BigInt(micros);
  const millis = new Date(Number(value / 1000n)).toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ
  return `${millis.slice(0, -1)}${String(value % 1000n).padStart(3, '0')}Z`;
}

/**
 * One page of `qb` (an entity with `seq` and `created_at`) in list order after `cursor`: fetches
 * `limit + 1` rows, the extra one only telling whether another page exists.
 */
export async function fetchPage<Row extends ObjectLiteral & { id: string; seq: string }, T>(
  qb: SelectQueryBuilder<Row>,
  options: { limit: number; cursor: string | undefined; order: ListOrder },
  map: (row: Row) => T,
): Promise<Page<T>> {
  const alias = qb.alias;
  const direction = options.order === 'newest-first' ? 'DESC' : 'ASC';
  const comparison = options.order === 'newest-first' ? '<' : '>';
  const after = decodeCursor(options.cursor);
  if (after?.createdAtMicros) {
    qb.andWhere(`(${alias}.created_at, ${alias}.seq) ${comparison} (CAST(:cursorAt AS timestamptz), CAST(:cursorSeq AS bigint))`, {
      cursorAt: microsToIso(after.createdAtMicros),
      cursorSeq: after.seq,
    });
  } else if (after) {
    const table = qb.expressionMap.mainAlias!.metadata.tablePath;
    qb.andWhere(`(${alias}.created_at, ${alias}.seq) ${comparison} (SELECT c.created_at, c.seq FROM ${table} c WHERE c.seq = CAST(:cursorSeq AS bigint))`, {
      cursorSeq: after.seq,
    });
  }
  qb.addSelect(`(extract(epoch FROM ${alias}.created_at) * 1000000)::bigint::text`, 'cursor_micros')
    .orderBy(`${alias}.created_at`, direction)
    .addOrderBy(`${alias}.seq`, direction)
    .limit(options.limit + 1);
  const { entities, raw } = await qb.getRawAndEntities();
  const microsById = new Map((raw as Record<string, string>[]).map((r) => [r[`${alias}_id`], r.cursor_micros]));
  const items = entities.slice(0, options.limit);
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    nextCursor: entities.length > options.limit ? encodeCursor({ createdAtMicros: microsById.get(last.id)!, seq: last.seq }) : null,
  };
}
