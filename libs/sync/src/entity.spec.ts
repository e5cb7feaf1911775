import { z } from 'zod';
import { defineEntity, EntityDefinitionError, hashPage } from './entity';
import { catalogEntity, type CatalogRow } from './fixtures/catalog-entity';

const ph: CatalogRow = { code: 'PH', name: 'pH', matrix: 'water', unit: 'pH', turnaroundHours: 24, priceCents: 1200, active: true, updatedAt: '2026-12-01T10:00:00.000Z' };

describe('defineEntity', () => {
  const schema = z.object({ id: z.string(), name: z.string() });

  it('refuses a definition whose key is not source-owned, or a field both source-owned and target-only', () => {
    expect(() => defineEntity({ name: 'x', schema, keyField: 'id', sourceFields: ['name'], targetOnlyFields: [] })).toThrow(EntityDefinitionError);
    expect(() => defineEntity({ name: 'x', schema, keyField: 'id', sourceFields: ['id', 'name'], targetOnlyFields: ['name'] })).toThrow('both source-owned and target-only: name');
  });

  it('parses a valid row, and sets an invalid one aside with its key and the failing field paths', () => {
    expect(catalogEntity.parse(ph)).toEqual({ ok: true, row: ph, key: 'PH' });
    const bad = catalogEntity.parse({ ...ph, priceCents: -1, turnaroundHours: 'soon' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.setAside).toMatchObject({ entity: 'catalog', key: 'PH', kind: 'invalid' });
    expect(bad.setAside.reason).toMatch(/turnaroundHours: .*; priceCents: /);
  });

  it('sets aside a row without a usable key with key null', () => {
    const bad = catalogEntity.parse({ ...ph, code: '' });
    expect(bad.ok || bad.setAside.key).toBe(null);
    expect(catalogEntity.keyOf('not a record')).toBe(null);
  });
});

describe('contentHash', () => {
  it('covers the source-owned fields only: target-only fields, bookkeeping and updatedAt do not change it', () => {
    const copy = { ...ph, displayName: 'Acidity', featured: true, writes: 3, updatedAt: '2026-12-02T00:00:00.000Z' };
    expect(catalogEntity.contentHash(copy)).toBe(catalogEntity.contentHash(ph));
  });

  it('changes with any source-owned field, and counts a top-level null as absent', () => {
    expect(catalogEntity.contentHash({ ...ph, priceCents: 1201 })).not.toBe(catalogEntity.contentHash(ph));
    expect(catalogEntity.contentHash({ ...ph, matrix: null })).toBe(catalogEntity.contentHash({ ...ph, matrix: undefined }));
  });

  it('does not depend on the order the record was built in', () => {
    const reversed = Object.fromEntries(Object.entries(ph).reverse());
    expect(catalogEntity.contentHash(reversed)).toBe(catalogEntity.contentHash(ph));
  });
});

describe('hashPage', () => {
  it('returns nothing for an empty page', () => {
    expect(hashPage(catalogEntity, [])).toEqual({ entity: 'catalog', rows: [], setAside: [], hasUnkeyedRows: false });
  });

  it('hashes one row, with a unicode key', () => {
    const page = hashPage(catalogEntity, [{ ...ph, code: '鉛-😀' }]);
    expect(page.rows).toEqual([{ key: '鉛-😀', hash: catalogEntity.contentHash({ ...ph, code: '鉛-😀' }), row: { ...ph, code: '鉛-😀' } }]);
  });

  it('sets aside every occurrence of a key that appears twice in one page, keeping the other rows', () => {
    const page = hashPage(catalogEntity, [ph, { ...ph, code: 'LEAD' }, { ...ph, priceCents: 99 }]);
    expect(page.rows.map((r) => r.key)).toEqual(['LEAD']);
    expect(page.setAside.map((s) => [s.key, s.kind, s.reason])).toEqual([
      ['PH', 'duplicate-key', 'code "PH" appears 2 times in one page'],
      ['PH', 'duplicate-key', 'code "PH" appears 2 times in one page'],
    ]);
    expect(page.hasUnkeyedRows).toBe(false);
  });

  it('keys that differ only by normalisation (é and e + combining accent) are different keys', () => {
    expect(hashPage(catalogEntity, [{ ...ph, code: 'é' }, { ...ph, code: 'e\u0301' }]).rows).toHaveLength(2);
  });

  it('flags a page holding a row whose key cannot be read', () => {
    const page = hashPage(catalogEntity, [ph, { name: 'no code' }]);
    expect(page.rows).toHaveLength(1);
    expect(page.setAside).toMatchObject([{ key: null, kind: 'invalid' }]);
    expect(page.hasUnkeyedRows).toBe(true);
  });
});
