// Cursor pagination shared by every "list" answer: `?limit=&cursor=` in, `{items, nextCursor}` out.
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { DomainError } from './domain-error';

export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50, description: 'Page size.', example: 50 })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt({ message: 'limit must be an integer from 1 to 200' })
  @Min(1, { message: 'limit must be an integer from 1 to 200' })
  @Max(200, { message: 'limit must be an integer from 1 to 200' })
  limit?: number;

  @ApiPropertyOptional({ description: "The previous page's `nextCursor`; omit for the first page.", pattern: '^[A-Za-z0-9_-]{1,64}$', example: 'czoxMjM' })
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
 * Cursors wrap the row's insertion sequence (a bigint identity column), so pages stay stable
 * while rows are added and two rows created in the same microsecond still have an order.
 */
export function encodeCursor(seq: string): string {
  return Buffer.from(`s:${seq}`).toString('base64url');
}

const MAX_BIGINT = 9_223_372_036_854_775_807n;

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^s:(\d{1,19})$/.exec(text);
  // Sequences are Postgres bigints: a number past its range was never issued, and would fail the query.
  if (!match || BigInt(match[1]) > MAX_BIGINT) {
    throw new DomainError('VALIDATION_FAILED', 'cursor is not a cursor this service issued', { fields: [{ field: 'cursor', messages: ['cursor is not a cursor this service issued'] }] });
  }
  return match[1];
}

/** Fetch `limit + 1` rows, then call this: the extra row only tells whether another page exists. */
export function toPage<Row extends { seq: string }, T>(rows: Row[], limit: number, map: (row: Row) => T): Page<T> {
  const items = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  return { items: items.map(map), nextCursor: hasMore ? encodeCursor(items[items.length - 1].seq) : null };
}
