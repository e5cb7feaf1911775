import type { TopicMap, Topic } from '@labsync/contracts';
import { directDelete, directUpsert, type DeletePolicy, type DirectWrite } from '@labsync/sync';
import { catalogEntity } from './catalog-entity';
import type { PortalCatalogRecord } from './portal-catalog-api';

export type CatalogEntryChange = TopicMap[typeof Topic.catalogEntries];

/** The write one change needs, and the outcome it will count as once done. */
export type CatalogPushPlan =
  | { write: Extract<DirectWrite, { action: 'put' }>; outcome: 'written' | 'retired' }
  | { write: Extract<DirectWrite, { action: 'delete' }>; outcome: 'deleted' }
  | { write: Extract<DirectWrite, { action: 'none' }>; outcome: 'unchanged' };

/**
 * What the direct push does with one change given the portal's current record (undefined: it has none):
 * an upsert writes the lab's fields with the portal's own kept, unless the copy already matches; a delete
 * follows `deletes`. Only the record of the change's own code is ever looked at.
 */
export function planCatalogPush(change: CatalogEntryChange, deletes: DeletePolicy, current: PortalCatalogRecord | undefined): CatalogPushPlan {
  const write = change.kind === 'upserted' ? directUpsert(catalogEntity, change.entity, current) : directDelete(catalogEntity, deletes, current);
  if (write.action === 'none') return { write, outcome: 'unchanged' };
  if (write.action === 'delete') return { write, outcome: 'deleted' };
  return { write, outcome: change.kind === 'upserted' ? 'written' : 'retired' };
}
