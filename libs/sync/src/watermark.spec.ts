import fc from 'fast-check';
import { entityKey } from './fixtures/catalog-entity';
import {
  InvalidWatermarkError,
  isAfterCursor,
  nextWatermark,
  parseWatermarkCursor,
  serializeWatermarkCursor,
  WATERMARK_EPOCH,
  watermarkPositionOf,
  watermarkQuery,
  windowStartCursor,
  type WatermarkCursor,
  type WatermarkPosition,
} from './watermark';

interface SourceRow {
  code: string;
  updatedAt: string;
}

/** A source as the contract pages it: rows after the cursor in (updatedAt, code) order, UTF-8 byte order for codes. */
function sourcePage(rows: readonly SourceRow[], cursor: WatermarkCursor | null, limit: number): SourceRow[] {
  const bytes = (s: string) => Buffer.from(s, 'utf8');
  const order = (a: SourceRow, b: SourceRow) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt) || Buffer.compare(bytes(a.code), bytes(b.code));
  return rows
    .filter((r) => cursor === null || order(r, { code: cursor.key, updatedAt: cursor.updatedAt }) > 0)
    .sort(order)
    .slice(0, limit);
}

const position = (r: SourceRow): WatermarkPosition => ({ updatedAt: r.updatedAt, key: r.code });

/** Pages from the start until the source is exhausted, returning every code read, in order. */
function readAll(rows: readonly SourceRow[], limit: number): string[] {
  const seen: string[] = [];
  let cursor: WatermarkCursor | null = null;
  for (let guard = 0; guard <= rows.length + 1; guard++) {
    const page = sourcePage(rows, cursor, limit);
    seen.push(...page.map((r) => r.code));
    const next = nextWatermark(cursor, page.map(position), limit);
    expect(next.behindCursor).toEqual([]);
    cursor = next.cursor;
    if (next.exhausted) return seen;
  }
  throw new Error('paging did not end');
}

/** Rows with unique codes and timestamps from a handful of instants, so ties are the rule. */
const tiedRows = fc.uniqueArray(entityKey, { maxLength: 40 }).chain((codes) =>
  fc.tuple(...codes.map(() => fc.integer({ min: 0, max: 3 }))).map((slots) => codes.map((code, i) => ({ code, updatedAt: new Date(Date.UTC(2026, 11, 1, 10, 0, slots[i]!)).toISOString() }))),
);

describe('watermark paging', () => {
  it('visits every row exactly once, for any rows with shared timestamps and any page size', () => {
    fc.assert(
      fc.property(tiedRows, fc.integer({ min: 1, max: 12 }), (rows, limit) => {
        const seen = readAll(rows, limit);
        expect([...seen].sort()).toEqual(rows.map((r) => r.code).sort());
      }),
      { numRuns: 300 },
    );
  });

  it('counter-example: a strict > on updatedAt alone loses the rest of a tie a page boundary cuts through', () => {
    const rows = ['A', 'B', 'C'].map((code) => ({ code, updatedAt: '2026-12-01T10:00:00.000Z' }));
    const strictOnTimestamp = (since: string | null) => rows.filter((r) => since === null || Date.parse(r.updatedAt) > Date.parse(since)).slice(0, 2);
    const first = strictOnTimestamp(null);
    const second = strictOnTimestamp(first.at(-1)!.updatedAt);
    expect([...first, ...second].map((r) => r.code)).toEqual(['A', 'B']); // C is never read
    expect(readAll(rows, 2)).toEqual(['A', 'B', 'C']);
  });

  it('all rows at one instant, page size 1: still every row once', () => {
    const rows = ['鉛', 'é', 'Z', '😀', 'a b'].map((code) => ({ code, updatedAt: '2026-12-01T10:00:00.000Z' }));
    expect(readAll(rows, 1).sort()).toEqual(rows.map((r) => r.code).sort());
  });

  it('a row updated while paging is read again at its new position: its latest version is never missed', () => {
    const rows: SourceRow[] = ['A', 'B', 'C'].map((code) => ({ code, updatedAt: '2026-12-01T10:00:00.000Z' }));
    const first = sourcePage(rows, null, 2);
    let cursor = nextWatermark(null, first.map(position), 2).cursor;
    rows[0] = { code: 'A', updatedAt: '2026-12-01T10:00:05.000Z' };
    const second = sourcePage(rows, cursor, 2);
    cursor = nextWatermark(cursor, second.map(position), 2).cursor;
    expect(second.map((r) => r.code)).toEqual(['C', 'A']);
    expect(cursor).toEqual({ updatedAt: '2026-12-01T10:00:05.000Z', key: 'A' });
  });

  it('a rerun from the stored cursor over unchanged data reads nothing and keeps the cursor', () => {
    const rows = [{ code: 'A', updatedAt: '2026-12-01T10:00:00.000Z' }];
    const cursor: WatermarkCursor = { updatedAt: '2026-12-01T10:00:00.000Z', key: 'A' };
    const page = sourcePage(rows, cursor, 10);
    expect(page).toEqual([]);
    expect(nextWatermark(cursor, [], 10)).toEqual({ cursor, exhausted: true, behindCursor: [] });
  });
});

describe('nextWatermark', () => {
  const at = (s: number, key: string) => ({ updatedAt: new Date(Date.UTC(2026, 11, 1, 10, 0, s)).toISOString(), key });

  it('an empty page from the start leaves the start', () => {
    expect(nextWatermark(null, [], 5)).toEqual({ cursor: null, exhausted: true, behindCursor: [] });
  });

  it('moves to the greatest position even when the page is not sorted, and says when the page was full', () => {
    expect(nextWatermark(null, [at(2, 'A'), at(1, 'Z')], 2)).toEqual({ cursor: at(2, 'A'), exhausted: false, behindCursor: [] });
  });

  it('reports rows at or before the cursor instead of moving back', () => {
    const cursor = at(5, 'M');
    expect(nextWatermark(cursor, [at(5, 'M'), at(4, 'Z'), at(5, 'N')], 3)).toEqual({ cursor: at(5, 'N'), exhausted: false, behindCursor: [0, 1] });
  });

  it('normalises offsets: the same instant written with +01:00 is the same position', () => {
    expect(isAfterCursor({ updatedAt: '2026-12-01T11:00:00+01:00', key: 'A' }, { updatedAt: '2026-12-01T10:00:00.000Z', key: 'A' })).toBe(false);
    expect(nextWatermark(null, [{ updatedAt: '2026-12-01T11:00:00+01:00', key: 'A' }], 1).cursor).toEqual({ updatedAt: '2026-12-01T10:00:00.000Z', key: 'A' });
  });

  it('believes a source that says whether more rows follow over the page length', () => {
    expect(nextWatermark(null, [at(1, 'A'), at(2, 'B')], 2, false).exhausted).toBe(true);
    expect(nextWatermark(null, [at(1, 'A')], 2, true).exhausted).toBe(false);
  });

  it('refuses a page limit below one and a position that is not an instant', () => {
    expect(() => nextWatermark(null, [], 0)).toThrow(RangeError);
    expect(() => nextWatermark(null, [{ updatedAt: 'yesterday', key: 'A' }], 1)).toThrow(InvalidWatermarkError);
  });
});

describe('watermark cursor text', () => {
  it('round-trips any cursor, unicode keys included', () => {
    fc.assert(
      fc.property(fc.option(fc.record({ updatedAt: fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(Date.UTC(9999, 0, 1)) }).map((d) => d.toISOString()), key: fc.string({ unit: 'binary' }) })), (cursor) => {
        expect(parseWatermarkCursor(serializeWatermarkCursor(cursor))).toEqual(cursor);
      }),
    );
  });

  it('refuses text that is not a cursor, naming what is wrong', () => {
    expect(() => parseWatermarkCursor('{')).toThrow('not JSON');
    expect(() => parseWatermarkCursor('{"updatedAt":"soon","key":"A"}')).toThrow(/updatedAt/);
    expect(() => parseWatermarkCursor('{"updatedAt":"2026-12-01T10:00:00.000Z"}')).toThrow(/key/);
  });
});

describe('watermarkQuery', () => {
  it('reads from the epoch at the start, inclusively from a window start, and after the key otherwise', () => {
    expect(watermarkQuery(null)).toEqual({ updatedSince: WATERMARK_EPOCH });
    expect(watermarkQuery({ updatedAt: '2026-12-01T10:00:00.000Z', key: '' })).toEqual({ updatedSince: '2026-12-01T10:00:00.000Z' });
    expect(watermarkQuery({ updatedAt: '2026-12-01T10:00:00.000Z', key: 'PH' })).toEqual({ updatedSince: '2026-12-01T10:00:00.000Z', after: 'PH' });
  });
});

describe('watermarkPositionOf and windowStartCursor', () => {
  it('reads a position from a record, or null when its key or timestamp is unusable', () => {
    expect(watermarkPositionOf({ code: 'PH', updatedAt: new Date('2026-12-01T10:00:00Z') }, 'code', 'updatedAt')).toEqual({ updatedAt: '2026-12-01T10:00:00.000Z', key: 'PH' });
    expect(watermarkPositionOf({ code: 'PH', updatedAt: 'later' }, 'code', 'updatedAt')).toBe(null);
    expect(watermarkPositionOf({ updatedAt: '2026-12-01T10:00:00Z' }, 'code', 'updatedAt')).toBe(null);
  });

  it('starts a window at now - window, including rows exactly at its start', () => {
    const start = windowStartCursor(new Date('2026-12-01T10:01:00.000Z'), 60_000);
    expect(start).toEqual({ updatedAt: '2026-12-01T10:00:00.000Z', key: '' });
    expect(isAfterCursor({ updatedAt: '2026-12-01T10:00:00.000Z', key: 'A' }, start)).toBe(true);
    expect(isAfterCursor({ updatedAt: '2026-12-01T09:59:59.999Z', key: 'A' }, start)).toBe(false);
  });
});
