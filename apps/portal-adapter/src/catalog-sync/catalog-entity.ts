import { CatalogEntrySchema, type CatalogEntry } from '@labsync/contracts';
import { defineEntity } from '@labsync/sync';

/**
 * The catalog pipeline's entity as the portal-adapter pushes it: the lab owns every field of the contract's
 * CatalogEntry; the portal alone owns `displayName` and `featured`, which a write must carry back because
 * the portal's PUT replaces the whole record. Retired = `active: false`.
 */
export const catalogEntity = defineEntity<CatalogEntry>({
  name: 'catalog',
  schema: CatalogEntrySchema,
  keyField: 'code',
  updatedAtField: 'updatedAt',
  sourceFields: ['code', 'name', 'matrix', 'unit', 'turnaroundHours', 'priceCents', 'active', 'updatedAt'],
  targetOnlyFields: ['displayName', 'featured'],
  retire: (record) => ({ ...record, active: false }),
});
