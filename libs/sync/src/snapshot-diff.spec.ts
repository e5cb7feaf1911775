import fc from 'fast-check';
import { hashPage, type HashedPage, type HashedRow } from './entity';
import { catalogEntity, catalogRowArbitrary, entityKey, type CatalogRow } from './fixtures/catalog-entity';
import { compareKeys } from './keys';
import {
  applySnapshotDiff,
  diffSnapshotPage,
  diffSnapshots,
  isEmptySnapshotDiff,
  snapshotPageRange,
  SourcePagingError,
  type SnapshotHashes,
  type SnapshotPageChanges,
  type SnapshotPageRange,
  type StoredHash,
} from './snapshot-diff';

const snapshot = fc.dictionary(entityKey, fc.constantFrom('h1', 'h2', 'h3'), { maxKeys: 30 }).map((d) => new Map(Object.entries(d)) as SnapshotHashes);

describe('diffSnapshots', () => {
  it('applying the diff to the old snapshot gives the new one, for any pair', () => {
    fc.assert(
      fc.property(snapshot, snapshot, (previous, current) => {
        expect(applySnapshotDiff(previous, diffSnapshots(previous, current))).toEqual(current);
      }),
      { numRuns: 500 },
    );
  });

  it('a snapshot diffed against itself (a rerun over unchanged data) is empty', () => {
    fc.assert(fc.property(snapshot, (s) => expect(isEmptySnapshotDiff(diffSnapshots(s, s))).toBe(true)));
  });

  it('names inserts, updates with their previous hash, and deletes', () => {
    const previous = new Map([
      ['A', 'h1'],
      ['B', 'h1'],
      ['C', 'h1'],
    ]);
    const current = new Map([
      ['B', 'h2'],
      ['C', 'h1'],
      ['😀', 'h3'],
    ]);
    expect(diffSnapshots(previous, current)).toEqual({
      inserts: [{ key: '😀', hash: 'h3' }],
      updates: [{ key: 'B', hash: 'h2', previousHash: 'h1' }],
      deletes: [{ key: 'A', previousHash: 'h1' }],
    });
    expect(diffSnapshots(new Map(), new Map())).toEqual({ inserts: [], updates: [], deletes: [] });
  });
});

/** A source serving snapshot pages: rows after `afterKey` in key order, `limit` at most. */
const snapshotSource = (rows: readonly unknown[]) => (afterKey: string | null, limit: number) =>
  [...rows]
    .filter((r) => afterKey === null || compareKeys(catalogEntity.keyOf(r)!, afterKey) > 0)
    .sort((a, b) => compareKeys(catalogEntity.keyOf(a)!, catalogEntity.keyOf(b)!))
    .slice(0, limit);

/** Runs a paged snapshot against a store, as the runner does, and returns what it emitted and the store after. */
function pagedSnapshot(readPage: (afterKey: string | null, limit: number) => unknown[], store: Map<string, string>, limit: number) {
  const emitted = { inserts: [] as string[], updates: [] as string[], deletes: [] as string[], setAside: [] as string[] };
  let afterKey: string | null = null;
  for (let guard = 0; guard < 1000; guard++) {
    const page: HashedPage<CatalogRow> = hashPage(catalogEntity, readPage(afterKey, limit));
    const range: SnapshotPageRange = snapshotPageRange(afterKey, page, limit);
    const stored: StoredHash[] = [...store].map(([key, hash]) => ({ key, hash })).filter(({ key }) => (range.afterKey === null || compareKeys(key, range.afterKey) > 0) && (range.throughKey === null || compareKeys(key, range.throughKey) <= 0));
    const changes: SnapshotPageChanges<CatalogRow> = diffSnapshotPage(range, page, stored);
    emitted.inserts.push(...changes.inserts.map((r) => r.key));
    emitted.updates.push(...changes.updates.map((r) => r.key));
    emitted.deletes.push(...changes.deletes.map((r) => r.key));
    emitted.setAside.push(...changes.setAside.map((s) => `${s.kind}:${s.key}`));
    for (const { key } of changes.deletes) store.delete(key);
    for (const { key, hash } of changes.store) store.set(key, hash);
    if (changes.nextAfterKey === null) return emitted;
    afterKey = changes.nextAfterKey;
  }
  throw new Error('snapshot did not end');
}

const hashesOf = (rows: readonly CatalogRow[]) => new Map(rows.map((r) => [r.code, catalogEntity.contentHash(r)]));
const catalog = fc.uniqueArray(catalogRowArbitrary, { selector: (r) => r.code, maxLength: 25 });

describe('diffSnapshotPage (synthetic CDC in pages)', () => {
  it('for any previous and current snapshot and page size, finds exactly the full diff and leaves the store equal to the new snapshot', () => {
    fc.assert(
      fc.property(catalog, catalog, fc.integer({ min: 1, max: 8 }), (before, after, limit) => {
        const store = hashesOf(before);
        const expected = diffSnapshots(store, hashesOf(after));
        const emitted = pagedSnapshot(snapshotSource(after), store, limit);
        expect(emitted.inserts).toEqual(expected.inserts.map((c) => c.key));
        expect(emitted.updates).toEqual(expected.updates.map((c) => c.key));
        expect(emitted.deletes.sort(compareKeys)).toEqual(expected.deletes.map((c) => c.key));
        expect(store).toEqual(hashesOf(after));
      }),
      { numRuns: 300 },
    );
  });

  it('a rerun over an unchanged source emits nothing', () => {
    fc.assert(
      fc.property(catalog, fc.integer({ min: 1, max: 8 }), (rows, limit) => {
        const store = hashesOf(rows);
        expect(pagedSnapshot(snapshotSource(rows), store, limit)).toEqual({ inserts: [], updates: [], deletes: [], setAside: [] });
      }),
    );
  });

  const row = (code: string, priceCents = 100): CatalogRow => ({ code, name: code, unit: 'mg/L', turnaroundHours: 24, priceCents, active: true, updatedAt: '2026-12-01T10:00:00.000Z' });

  it('sees a change that did not move updatedAt, and a hard delete', () => {
    const store = hashesOf([row('A'), row('B')]);
    expect(pagedSnapshot(snapshotSource([row('A', 200)]), store, 10)).toEqual({ inserts: [], updates: ['A'], deletes: ['B'], setAside: [] });
  });

  it('an empty source deletes everything stored; an empty source and store change nothing', () => {
    expect(pagedSnapshot(snapshotSource([]), hashesOf([row('A'), row('鉛')]), 3).deletes).toEqual(['A', '鉛']);
    expect(pagedSnapshot(snapshotSource([]), new Map(), 3)).toEqual({ inserts: [], updates: [], deletes: [], setAside: [] });
  });

  it('a key twice in one page is set aside: its stored hash is kept, it is neither updated nor deleted', () => {
    const store = hashesOf([row('A'), row('B')]);
    const changes = diffSnapshotPage({ afterKey: null, throughKey: null, last: true }, hashPage(catalogEntity, [row('A', 1), row('A', 2)]), [...store].map(([key, hash]) => ({ key, hash })));
    expect(changes.setAside.map((s) => [s.key, s.kind])).toEqual([
      ['A', 'duplicate-key'],
      ['A', 'duplicate-key'],
    ]);
    expect(changes.updates).toEqual([]);
    expect(changes.deletes.map((d) => d.key)).toEqual(['B']);
    expect(changes.store).toEqual([{ key: 'A', hash: store.get('A') }]);
  });

  it('a row without a readable key withholds the page deletes instead of guessing', () => {
    const changes = diffSnapshotPage({ afterKey: null, throughKey: null, last: true }, hashPage(catalogEntity, [{ name: 'no code' }]), [{ key: 'A', hash: 'h' }]);
    expect(changes).toMatchObject({ deletes: [], deletesWithheld: true, store: [{ key: 'A', hash: 'h' }] });
  });

  it('a row outside the page range is set aside as out-of-order, not diffed', () => {
    const page = hashPage(catalogEntity, [row('A'), row('M')]);
    const changes = diffSnapshotPage(snapshotPageRange('L', page, 2), page, []);
    expect(changes.inserts.map((r: HashedRow<CatalogRow>) => r.key)).toEqual(['M']);
    expect(changes.setAside).toMatchObject([{ key: 'A', kind: 'out-of-order' }]);
    expect(changes.nextAfterKey).toBe('M');
  });

  it('a full page with no key after the range start is a paging error, not an endless loop', () => {
    const page = hashPage(catalogEntity, [row('A'), row('B')]);
    expect(() => snapshotPageRange('C', page, 2)).toThrow(SourcePagingError);
  });

  it('a full page the source calls the last covers the rest of the key space, so stored keys after it are deleted', () => {
    const page = hashPage(catalogEntity, [row('A'), row('B')]);
    const range = snapshotPageRange(null, page, 2, true);
    expect(range).toEqual({ afterKey: null, throughKey: null, last: true });
    const changes = diffSnapshotPage(range, page, [{ key: 'Z', hash: 'h' }]);
    expect(changes.deletes).toEqual([{ key: 'Z', previousHash: 'h' }]);
    expect(changes.nextAfterKey).toBe(null);
  });

  it('a short page is the last one and covers the rest of the key space', () => {
    expect(snapshotPageRange('B', hashPage(catalogEntity, [row('C')]), 2)).toEqual({ afterKey: 'B', throughKey: null, last: true });
    expect(snapshotPageRange(null, hashPage(catalogEntity, [row('C'), row('D')]), 2)).toEqual({ afterKey: null, throughKey: 'D', last: false });
  });
});
