import fc from 'fast-check';
import { z } from 'zod';
import { copyPageQuerySchema, decodeSnapshotCursor, encodeSnapshotCursor, pageQuerySchema, snapshotPage, watermarkPage } from './reference-pages';

const CatalogCodeSchema = z.string().regex(/^[A-Z0-9][A-Z0-9_-]{0,31}$/, 'must be a test code');
const query = pageQuerySchema(CatalogCodeSchema, { watermark: true });
const copyQuery = copyPageQuerySchema(CatalogCodeSchema);
const code = fc.stringMatching(/^[A-Z0-9][A-Z0-9_-]{0,31}$/);

describe('reference data pages', () => {
  it('reads back every snapshot cursor it wrote', () => {
    fc.assert(fc.property(code, (key) => decodeSnapshotCursor(encodeSnapshotCursor(key), CatalogCodeSchema) === key));
  });

  it.each(['', 'abc', 'not a cursor', encodeSnapshotCursor('lower-case'), Buffer.from('{"after":1}').toString('base64url'), Buffer.from('null').toString('base64url')])('refuses cursor %j', (text) => {
    expect(decodeSnapshotCursor(text, CatalogCodeSchema)).toBeNull();
  });

  it('tells the three forms of read apart', () => {
    expect(query.parse({})).toEqual({ kind: 'unpaged' });
    expect(query.parse({ limit: '5' })).toEqual({ kind: 'snapshot', after: null, limit: 5 });
    expect(query.parse({ cursor: '' })).toEqual({ kind: 'snapshot', after: null, limit: 1000 });
    expect(query.parse({ cursor: encodeSnapshotCursor('PH') })).toEqual({ kind: 'snapshot', after: 'PH', limit: 1000 });
    expect(query.parse({ updatedSince: '2026-11-20T10:00:00.123+01:00', after: 'PH', limit: '10' })).toEqual({ kind: 'watermark', updatedSince: '2026-11-20T09:00:00.123Z', after: 'PH', limit: 10 });
    expect(query.parse({ updatedSince: '2026-11-20T10:00:00Z' })).toMatchObject({ kind: 'watermark', after: null });
  });

  it.each([
    [{ limit: '0' }, '/limit'],
    [{ limit: '10001' }, '/limit'],
    [{ limit: 'ten' }, '/limit'],
    [{ limit: ['1', '2'] }, '/limit'],
    [{ cursor: 'garbage!' }, '/cursor'],
    [{ after: 'PH' }, '/after'],
    [{ after: 'ph', updatedSince: '2026-11-20T10:00:00Z' }, '/after'],
    [{ updatedSince: 'yesterday' }, '/updatedSince'],
    [{ updatedSince: '2026-11-20T10:00:00Z', cursor: '' }, '/cursor'],
    [{ updated_since: '2026-11-20T10:00:00Z' }, '/'],
  ])('refuses %j, naming %s', (input, path) => {
    const result = query.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => `/${i.path.join('/')}`)).toContain(path);
  });

  it('reads a copy in snapshot pages only', () => {
    expect(copyQuery.safeParse({ updatedSince: '2026-11-20T10:00:00Z' }).success).toBe(false);
    expect(copyQuery.parse({ limit: '2' })).toEqual({ after: null, limit: 2 });
    expect(copyQuery.parse({})).toEqual({ after: null, limit: 1000 });
  });

  it('pages by reading one row more than asked', () => {
    const at = new Date('2026-11-20T10:00:00.000Z');
    const rows = ['A', 'B', 'C'].map((key) => ({ key, updatedAt: at }));
    expect(watermarkPage(rows, 2, (r) => r)).toEqual({ rows: rows.slice(0, 2), next: { updatedSince: at.toISOString(), after: 'B' }, hasMore: true });
    expect(watermarkPage(rows, 3, (r) => r)).toMatchObject({ hasMore: false, next: { after: 'C' } });
    expect(watermarkPage([], 3, (r: { key: string; updatedAt: Date }) => r)).toEqual({ rows: [], next: null, hasMore: false });
    expect(snapshotPage(rows, 2, (r) => r.key)).toEqual({ rows: rows.slice(0, 2), nextCursor: encodeSnapshotCursor('B') });
    expect(snapshotPage(rows, 3, (r) => r.key).nextCursor).toBeNull();
  });
});
