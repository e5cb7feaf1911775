import { CatalogEntrySchema, type CatalogEntry } from '@labsync/contracts';
import { defineEntity } from '@labsync/sync';

/** The catalog pipeline's name: its row in the position table, its metrics label. */
export const CATALOG_PIPELINE = 'catalog';

/** The lab's catalog row as the pipeline reads it; the portal-only fields never come from the lab. */
export const catalogEntity = defineEntity<CatalogEntry>({
  name: CATALOG_PIPELINE,
  schema: CatalogEntrySchema,
  keyField: 'code',
  updatedAtField: 'updatedAt',
  sourceFields: ['code', 'name', 'matrix', 'unit', 'turnaroundHours', 'priceCents', 'active', 'updatedAt'],
  targetOnlyFields: ['displayName', 'featured'],
  retire: (record) => ({ ...record, active: false }),
});
