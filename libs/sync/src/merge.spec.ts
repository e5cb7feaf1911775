import fc from 'fast-check';
import { z } from 'zod';
import { defineEntity } from './entity';
import { catalogEntity, catalogRowArbitrary, type CatalogRow } from './fixtures/catalog-entity';
import { directDelete, directUpsert, isRetired, mergeTargetOnlyFields, RetireNotDefinedError, retiredForm } from './merge';

const targetRecord = fc.record(
  {
    code: fc.string(),
    name: fc.string(),
    priceCents: fc.integer(),
    active: fc.boolean(),
    displayName: fc.option(fc.string(), { nil: null }),
    featured: fc.boolean(),
    writes: fc.nat(),
    origin: fc.constantFrom('sync', 'portal'),
  },
  { requiredKeys: ['code'] },
);

const ph: CatalogRow = { code: 'PH', name: 'pH', unit: 'pH', turnaroundHours: 24, priceCents: 1200, active: true, updatedAt: '2026-12-01T10:00:00.000Z' };

describe('mergeTargetOnlyFields', () => {
  it('never changes a target-only field and always makes the source-owned fields equal to the source', () => {
    fc.assert(
      fc.property(catalogRowArbitrary, fc.option(targetRecord, { nil: undefined }), (source, target) => {
        const body = mergeTargetOnlyFields(catalogEntity, source, target);
        for (const field of catalogEntity.targetOnlyFields) expect(body[field]).toEqual(target?.[field as keyof typeof target]);
        for (const field of catalogEntity.sourceFields) expect(body[field]).toEqual(source[field]);
        expect(catalogEntity.contentHash(body)).toBe(catalogEntity.contentHash(source));
      }),
    );
  });

  it('sends neither the target bookkeeping nor fields of no side, and leaves absent target-only fields out', () => {
    const body = mergeTargetOnlyFields(catalogEntity, { ...ph, internalNote: 'x' }, { code: 'PH', featured: true, writes: 4, origin: 'portal' });
    expect(body).toEqual({ ...ph, featured: true });
    expect(Object.keys(mergeTargetOnlyFields(catalogEntity, ph, undefined))).not.toContain('displayName');
  });
});

describe('direct push', () => {
  it('writes nothing when the target already has the source content (a redelivered change)', () => {
    fc.assert(
      fc.property(catalogRowArbitrary, targetRecord, (source, target) => {
        const first = directUpsert(catalogEntity, source, target);
        expect(first.action).toBe('put');
        const afterWrite = first.action === 'put' ? { ...first.body, writes: 1 } : target;
        expect(directUpsert(catalogEntity, source, afterWrite)).toEqual({ action: 'none' });
      }),
    );
  });

  it('creates a record the target lacks, without target-only fields', () => {
    expect(directUpsert(catalogEntity, ph, undefined)).toEqual({ action: 'put', body: ph });
  });

  it('follows the delete policy, and writes nothing for a missing or already retired record', () => {
    const copy = { ...ph, displayName: 'Acidity' };
    expect(directDelete(catalogEntity, 'delete', copy)).toEqual({ action: 'delete' });
    expect(directDelete(catalogEntity, 'ignore', copy)).toEqual({ action: 'none' });
    expect(directDelete(catalogEntity, 'delete', undefined)).toEqual({ action: 'none' });
    const retire = directDelete(catalogEntity, 'retire', copy);
    expect(retire).toEqual({ action: 'put', body: { ...ph, active: false, displayName: 'Acidity' } });
    expect(retire.action === 'put' && isRetired(catalogEntity, retire.body)).toBe(true);
    expect(directDelete(catalogEntity, 'retire', retire.action === 'put' ? retire.body : copy)).toEqual({ action: 'none' });
  });

  it('an entity without a retired form refuses the retire policy by name', () => {
    const customers = defineEntity({ name: 'customers', schema: z.object({ id: z.string() }), keyField: 'id', sourceFields: ['id'], targetOnlyFields: ['creditHold'] });
    expect(() => retiredForm(customers, { id: 'c1' })).toThrow(RetireNotDefinedError);
    expect(() => directDelete(customers, 'retire', { id: 'c1' })).toThrow('CUSTOMERS_SYNC_DELETES=delete or ignore');
  });
});
