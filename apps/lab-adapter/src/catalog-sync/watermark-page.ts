import type { CatalogEntry } from '@labsync/contracts';
import { hashPage, nextWatermark, serializeWatermarkCursor, watermarkPositionOf, type HashedRow, type SetAsideRow, type WatermarkCursor } from '@labsync/sync';
import { catalogEntity } from './catalog-entity';

export type WatermarkPagePlan =
  | { kind: 'page'; upserts: HashedRow<CatalogEntry>[]; setAside: SetAsideRow[]; cursor: WatermarkCursor | null; exhausted: boolean }
  /** A page that says more follows but holds no row after the cursor: following it would loop forever. */
  | { kind: 'stuck'; reason: string };

/**
 * What one watermark page read after `from` publishes and where it moves the cursor. Every raw row with a
 * readable position moves it, valid or not, so a bad row is set aside once instead of holding the pipeline;
 * a row at or before `from` is set aside as out-of-order, never followed backwards.
 */
export function planWatermarkPage(from: WatermarkCursor | null, raw: readonly unknown[], limit: number, sourceHasMore?: boolean): WatermarkPagePlan {
  const positioned = raw.flatMap((row) => {
    const position = watermarkPositionOf(row, catalogEntity.keyField, 'updatedAt');
    return position ? [{ row, position }] : [];
  });
  // Whether more follows is the raw page's length (or the lab's word), not the count of readable positions.
  const next = nextWatermark(from, positioned.map((p) => p.position), limit, sourceHasMore ?? raw.length >= limit);
  if (!next.exhausted && serializeWatermarkCursor(next.cursor) === serializeWatermarkCursor(from)) {
    return { kind: 'stuck', reason: `the lab returned ${raw.length} rows, more to follow, and none after the cursor` };
  }
  const behind = new Set(next.behindCursor.map((i) => positioned[i]!.row));
  const page = hashPage(catalogEntity, raw.filter((row) => !behind.has(row)));
  const outOfOrder = [...behind].map((row): SetAsideRow => ({ entity: catalogEntity.name, key: catalogEntity.keyOf(row), kind: 'out-of-order', reason: 'the lab returned it at or before the cursor it was asked after', raw: row }));
  return { kind: 'page', upserts: page.rows, setAside: [...page.setAside, ...outOfOrder], cursor: next.cursor, exhausted: next.exhausted };
}
