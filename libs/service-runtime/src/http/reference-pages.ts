import { z } from 'zod';

/**
 * How the stand-ins serve reference data (a catalog, customer accounts) page by page, the same for every table:
 * - watermark: `updatedSince=<iso>&after=<key>&limit=<n>`: rows with (updatedAt, key) > (updatedSince, after)
 *   in that order; without `after`, every row with updatedAt >= updatedSince (the bound is inclusive, so
 *   rows sharing a stamp with the last one read are not lost). Pass back `next` to read on.
 * - snapshot: `cursor=<opaque>&limit=<n>` (an empty or absent cursor is the first page): every row in key
 *   order; `nextCursor` is null after the last page.
 */
/** The schema of a table's key (a test code, a customer id): a string checked by a regex. */
export type KeySchema = z.ZodString;

export const PAGE_LIMIT_DEFAULT = 1000;
export const PAGE_LIMIT_MAX = 10_000;

export type PageRequest =
  | { kind: 'watermark'; updatedSince: string; after: string | null; limit: number }
  | { kind: 'snapshot'; after: string | null; limit: number }
  | { kind: 'unpaged' };

export interface WatermarkPage<T> {
  rows: T[];
  /** The position after the last row read; null when nothing was read (keep the position you have). */
  next: { updatedSince: string; after: string } | null;
  hasMore: boolean;
}

export interface SnapshotPage<T> {
  rows: T[];
  nextCursor: string | null;
}

/** Opaque to callers; inside, the key of the last row of the page (base64url JSON, so any key fits). */
export function encodeSnapshotCursor(afterKey: string): string {
  return Buffer.from(JSON.stringify({ after: afterKey })).toString('base64url');
}

/** The key a cursor names, or null when the string is not one of our cursors. */
export function decodeSnapshotCursor(cursor: string, key: KeySchema): string | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const after = (decoded as { after?: unknown } | null)?.after;
    return key.safeParse(after).success ? (after as string) : null;
  } catch {
    return null;
  }
}

const limitSchema = z
  .string({ error: 'limit must be given once' })
  .regex(/^[0-9]{1,6}$/, `limit must be a whole number from 1 to ${PAGE_LIMIT_MAX}`)
  .transform(Number)
  .pipe(z.number().min(1, `limit must be a whole number from 1 to ${PAGE_LIMIT_MAX}`).max(PAGE_LIMIT_MAX, `limit must be a whole number from 1 to ${PAGE_LIMIT_MAX}`));

/**
 * The query of a paged read of a table keyed by `key`. `watermark: false` for a copy, which is only read
 * in snapshot pages. Without any parameter the read is `unpaged` (callers decide what that means).
 */
export function pageQuerySchema(key: KeySchema, options: { watermark: boolean }) {
  return z
    .strictObject(
      {
        updatedSince: z.iso.datetime({ offset: true, error: 'updatedSince must be an ISO 8601 date-time with a time zone, e.g. 2026-11-20T08:00:00.000Z' }).optional(),
        after: z.string({ error: 'after must be given once' }).pipe(key).optional(),
        cursor: z.string({ error: 'cursor must be given once' }).optional(),
        limit: limitSchema.optional(),
      },
      { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown query parameter; use ${options.watermark ? 'updatedSince, after, ' : ''}cursor and limit` : undefined) },
    )
    .transform((query, ctx): PageRequest => {
      const limit = query.limit ?? PAGE_LIMIT_DEFAULT;
      if (!options.watermark && (query.updatedSince !== undefined || query.after !== undefined)) {
        ctx.addIssue({ code: 'custom', path: [query.updatedSince !== undefined ? 'updatedSince' : 'after'], message: 'this copy is read in snapshot pages only (cursor, limit)' });
        return z.NEVER;
      }
      if (query.updatedSince !== undefined) {
        if (query.cursor !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'cursor (snapshot pages) does not go with updatedSince (watermark pages)' });
          return z.NEVER;
        }
        return { kind: 'watermark', updatedSince: new Date(query.updatedSince).toISOString(), after: query.after ?? null, limit };
      }
      if (query.after !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['after'], message: 'after is the tie-break of updatedSince; give both' });
        return z.NEVER;
      }
      if (query.cursor === undefined && query.limit === undefined) return { kind: 'unpaged' };
      if (query.cursor === undefined || query.cursor === '') return { kind: 'snapshot', after: null, limit };
      const after = decodeSnapshotCursor(query.cursor, key);
      if (after === null) {
        ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'not a cursor of this list; pass back a nextCursor it returned, or none for the first page' });
        return z.NEVER;
      }
      return { kind: 'snapshot', after, limit };
    });
}

/** The query of a copy, read in snapshot pages only; no parameter at all is the first page. */
export function copyPageQuerySchema(key: KeySchema) {
  return pageQuerySchema(key, { watermark: false }).transform((request) => (request.kind === 'snapshot' ? { after: request.after, limit: request.limit } : { after: null, limit: PAGE_LIMIT_DEFAULT }));
}
export type CopyPageRequest = z.infer<ReturnType<typeof copyPageQuerySchema>>;

/** A page from `limit + 1` rows read in order: the extra row only says whether there is more. */
export function watermarkPage<T>(rowsPlusOne: T[], limit: number, position: (row: T) => { updatedAt: Date; key: string }): WatermarkPage<T> {
  const rows = rowsPlusOne.slice(0, limit);
  const last = rows.at(-1);
  const next = last ? { updatedSince: position(last).updatedAt.toISOString(), after: position(last).key } : null;
  return { rows, next, hasMore: rowsPlusOne.length > limit };
}

export function snapshotPage<T>(rowsPlusOne: T[], limit: number, keyOf: (row: T) => string): SnapshotPage<T> {
  const rows = rowsPlusOne.slice(0, limit);
  return { rows, nextCursor: rowsPlusOne.length > limit ? encodeSnapshotCursor(keyOf(rows.at(-1)!)) : null };
}

/**
 * How a write stamps `updatedAt`: now (what a LIMS does), kept as it was (`?keepUpdatedAt=1`: a change a
 * watermark reader cannot see), or a given instant (`?updatedAt=<iso>`: e.g. a row committed late with an
 * old stamp).
 */
export type UpdatedAtPolicy = { kind: 'now' } | { kind: 'keep' } | { kind: 'at'; at: string };

export const UpdatedAtQuerySchema = z
  .strictObject(
    {
      keepUpdatedAt: z.enum(['0', '1'], { error: 'keepUpdatedAt must be 1 (or 0)' }).optional(),
      updatedAt: z.iso.datetime({ offset: true, error: 'updatedAt must be an ISO 8601 date-time with a time zone' }).optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? 'unknown query parameter; use keepUpdatedAt or updatedAt' : undefined) },
  )
  .transform((query, ctx): UpdatedAtPolicy => {
    if (query.keepUpdatedAt === '1' && query.updatedAt !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['updatedAt'], message: 'keepUpdatedAt=1 and updatedAt do not go together' });
      return z.NEVER;
    }
    if (query.updatedAt !== undefined) return { kind: 'at', at: new Date(query.updatedAt).toISOString() };
    return query.keepUpdatedAt === '1' ? { kind: 'keep' } : { kind: 'now' };
  });

/** `POST /sim/<table>/generate { count }`: how many rows to add in one statement. */
export const GenerateBodySchema = z.strictObject(
  { count: z.number({ error: 'count must be a number' }).int('count must be a whole number').min(1).max(1_000_000) },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? 'unknown field' : issue.input === undefined ? 'a JSON object body { count } is required' : undefined) },
);
