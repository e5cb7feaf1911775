import { z } from 'zod';
import { compareKeys } from './keys';

/**
 * A position in watermark order: `updatedAt`, then the key. The cursor is the position of the last row read;
 * the next page is every row strictly after it in that order, i.e. `(updatedAt, key) > (cursor.updatedAt,
 * cursor.key)`. Rows sharing a timestamp are therefore never lost at a page boundary (a strict `>` on the
 * timestamp alone skips the rest of a tie the page cut through).
 */
export interface WatermarkCursor {
  /** ISO-8601 instant, millisecond precision (what JSON dates carry). */
  updatedAt: string;
  /** The key of the last row read at that instant; `''` sorts before every key (a window's start). */
  key: string;
}

/** The position of one row. */
export type WatermarkPosition = WatermarkCursor;

export class InvalidWatermarkError extends Error {}

/** Milliseconds of an ISO-8601 instant; throws on text that is not one. */
export function instantMs(updatedAt: string): number {
  const ms = Date.parse(updatedAt);
  if (!Number.isFinite(ms)) throw new InvalidWatermarkError(`not an ISO-8601 instant: ${JSON.stringify(updatedAt)}`);
  return ms;
}

export function compareWatermarkPositions(a: WatermarkPosition, b: WatermarkPosition): number {
  const byTime = instantMs(a.updatedAt) - instantMs(b.updatedAt);
  return byTime !== 0 ? Math.sign(byTime) : compareKeys(a.key, b.key);
}

/** Whether a row at `position` belongs to the page after `cursor` (null: the start, before every row). */
export function isAfterCursor(position: WatermarkPosition, cursor: WatermarkCursor | null): boolean {
  return cursor === null || compareWatermarkPositions(position, cursor) > 0;
}

/** The position of a record, from its key and updatedAt fields; null when either is missing or malformed. */
export function watermarkPositionOf(record: unknown, keyField: string, updatedAtField: string): WatermarkPosition | null {
  if (typeof record !== 'object' || record === null) return null;
  const key = (record as Record<string, unknown>)[keyField];
  const updatedAt = (record as Record<string, unknown>)[updatedAtField];
  const text = updatedAt instanceof Date ? updatedAt.toISOString() : updatedAt;
  if (typeof key !== 'string' || key.length === 0 || typeof text !== 'string' || !Number.isFinite(Date.parse(text))) return null;
  return { updatedAt: new Date(text).toISOString(), key };
}

export interface NextWatermark {
  /** Where the next page starts; never behind the cursor the page was read from. */
  cursor: WatermarkCursor | null;
  /** The page was shorter than the limit: the source has nothing more after `cursor` for now. */
  exhausted: boolean;
  /** Indexes of rows at or before the cursor the page was read from: the source broke the paging contract. */
  behindCursor: number[];
}

/**
 * Advances the cursor over one page read with `isAfterCursor(row, cursor)` ordered by position, `limit` rows
 * at most. The cursor moves to the greatest position on the page, so an unsorted page from a source that
 * picked the right rows still loses nothing; rows not after the cursor are reported, not followed backwards.
 * A source that says whether more rows follow (the stand-ins' `hasMore`) is believed over the page length.
 */
export function nextWatermark(cursor: WatermarkCursor | null, page: readonly WatermarkPosition[], limit: number, sourceHasMore?: boolean): NextWatermark {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`page limit must be a positive integer, got ${limit}`);
  let next = cursor;
  const behindCursor: number[] = [];
  page.forEach((position, index) => {
    if (!isAfterCursor(position, cursor)) behindCursor.push(index);
    else if (next === null || compareWatermarkPositions(position, next) > 0) next = { updatedAt: new Date(instantMs(position.updatedAt)).toISOString(), key: position.key };
  });
  return { cursor: next, exhausted: sourceHasMore === undefined ? page.length < limit : !sourceHasMore, behindCursor };
}

/** The beginning of time for a first read: every row is after it. */
export const WATERMARK_EPOCH = '1970-01-01T00:00:00.000Z';

/**
 * The contract's watermark query (`GET /api/catalog?updatedSince=&after=`) for a cursor. Without `after` the
 * source reads `updatedAt >= updatedSince` (inclusive), which is what the start and a window's start mean.
 */
export function watermarkQuery(cursor: WatermarkCursor | null): { updatedSince: string; after?: string } {
  if (cursor === null) return { updatedSince: WATERMARK_EPOCH };
  return cursor.key === '' ? { updatedSince: cursor.updatedAt } : { updatedSince: cursor.updatedAt, after: cursor.key };
}

/** The cursor a window read starts from: every row with `updatedAt >= now - windowMs`. */
export function windowStartCursor(now: Date, windowMs: number): WatermarkCursor {
  if (!Number.isFinite(windowMs) || windowMs < 0) throw new RangeError(`window must be a non-negative number of milliseconds, got ${windowMs}`);
  return { updatedAt: new Date(now.getTime() - windowMs).toISOString(), key: '' };
}

const storedCursor = z
  .object({ updatedAt: z.iso.datetime({ offset: true }), key: z.string() })
  .strict()
  .nullable();

/** Text for a cursor column or the CLI: JSON, `null` for the start. */
export function serializeWatermarkCursor(cursor: WatermarkCursor | null): string {
  return JSON.stringify(cursor === null ? null : { updatedAt: cursor.updatedAt, key: cursor.key });
}

export function parseWatermarkCursor(text: string): WatermarkCursor | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidWatermarkError(`stored watermark is not JSON: ${JSON.stringify(text)}`);
  }
  const parsed = storedCursor.safeParse(json);
  if (!parsed.success) throw new InvalidWatermarkError(`stored watermark ${JSON.stringify(text)}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(cursor)'}: ${i.message}`).join('; ')}`);
  return parsed.data === null ? null : { updatedAt: new Date(parsed.data.updatedAt).toISOString(), key: parsed.data.key };
}

/**
 * The page query of a Postgres source, for the stand-ins and any source read with SQL: rows after the
 * cursor in watermark order. `updatedAtParam`/`keyParam` are placeholders such as `$1`/`$2`; for the start,
 * omit the WHERE. The key compares in `COLLATE "C"`, the order `compareKeys` implements. The column must
 * hold millisecond precision (`timestamptz(3)`), the precision the cursor carries: a microsecond timestamp
 * truncated in the API would sort after the cursor it produced and be read again forever.
 */
export function watermarkPageSql(columns: { updatedAt: string; key: string }, params: { updatedAt: string; key: string }): { where: string; orderBy: string } {
  return {
    where: `(${columns.updatedAt}, ${columns.key} COLLATE "C") > (${params.updatedAt}::timestamptz, ${params.key}::text COLLATE "C")`,
    orderBy: `${columns.updatedAt}, ${columns.key} COLLATE "C"`,
  };
}
