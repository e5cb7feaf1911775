import fc from 'fast-check';
import { hashPage } from './entity';
import { catalogEntity, catalogRowArbitrary, type CatalogRow } from './fixtures/catalog-entity';
import { captureWindow, rememberEmitted } from './window-capture';
import { isAfterCursor, windowStartCursor } from './watermark';

const row = (code: string, updatedAt: string, priceCents = 100): CatalogRow => ({ code, name: code, unit: 'mg/L', turnaroundHours: 24, priceCents, active: true, updatedAt });
const catalog = fc.uniqueArray(catalogRowArbitrary, { selector: (r) => r.code, maxLength: 25 });
const hashed = (rows: readonly unknown[]) => hashPage(catalogEntity, rows).rows;

describe('captureWindow', () => {
  it('re-reading the same window twice emits nothing the second time, whatever was emitted before', () => {
    fc.assert(
      fc.property(catalog, fc.dictionary(fc.string(), fc.constantFrom('h1', 'h2')), (rows, earlier) => {
        const first = captureWindow(hashed(rows), new Map(Object.entries(earlier)));
        const second = captureWindow(hashed(rows), rememberEmitted(new Map(Object.entries(earlier)), first.remember));
        expect(second.emit).toEqual([]);
        expect(second.unchanged).toBe(rows.length);
      }),
    );
  });

  it('emits new and changed rows only, in the order read, and records what it emitted', () => {
    const emitted = new Map([
      ['A', catalogEntity.contentHash(row('A', '2026-12-01T10:00:00.000Z'))],
      ['B', catalogEntity.contentHash(row('B', '2026-12-01T10:00:00.000Z'))],
    ]);
    const capture = captureWindow(hashed([row('C', '2026-12-01T10:00:02.000Z'), row('A', '2026-12-01T10:00:01.000Z'), row('B', '2026-12-01T10:00:00.000Z', 999)]), emitted);
    expect(capture.emit.map((r) => r.key)).toEqual(['C', 'B']);
    expect(capture.unchanged).toBe(1); // A: only updatedAt moved, the content is what was emitted
    expect(capture.remember.map((r) => r.key)).toEqual(['C', 'B']);
  });

  it('catches a row committed late with an old timestamp that an earlier read could not see', () => {
    const now = new Date('2026-12-01T10:01:00.000Z');
    const start = windowStartCursor(now, 60_000);
    const committedFirst = row('A', '2026-12-01T10:00:30.000Z');
    const committedLate = row('B', '2026-12-01T10:00:10.000Z'); // stamped before A, visible only after A was read
    const inWindow = (rows: CatalogRow[]) => hashed(rows.filter((r) => isAfterCursor({ updatedAt: r.updatedAt, key: r.code }, start)));
    const first = captureWindow(inWindow([committedFirst]), new Map());
    const second = captureWindow(inWindow([committedFirst, committedLate]), rememberEmitted(new Map(), first.remember));
    expect(second.emit.map((r) => r.key)).toEqual(['B']);
  });

  it('an empty window emits nothing', () => {
    expect(captureWindow([], new Map())).toEqual({ emit: [], unchanged: 0, remember: [] });
  });

  it('a row updated while the window was paged, read on two pages, is emitted once per version', () => {
    const [before] = hashed([row('A', '2026-12-01T10:00:00.000Z')]);
    const [after] = hashed([row('A', '2026-12-01T10:00:09.000Z', 555)]);
    const capture = captureWindow([before!, before!, after!], new Map());
    expect(capture.emit).toEqual([before, after]);
    expect(capture.unchanged).toBe(1);
    expect(rememberEmitted(new Map(), capture.remember).get('A')).toBe(after!.hash);
  });
});
