import { Injectable } from '@nestjs/common';
import { OutboxWriter, type PendingOutboxEvent, type PendingTombstone } from '@labsync/messaging';
import { queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
import { keyRangeSql, parseWatermarkCursor, serializeWatermarkCursor, type SetAsideRow, type SnapshotPageRange, type StoredHash, type WatermarkCursor } from '@labsync/sync';
import { DataSource, type EntityManager } from 'typeorm';

export interface CapturePosition {
  watermark: WatermarkCursor | null;
  /** The lab's cursor of the snapshot page to read next; null with snapshotAfterKey null: a new snapshot. */
  snapshotCursor: string | null;
  snapshotAfterKey: string | null;
}

export interface CaptureCounts {
  rowsRead: number;
  rowsPublished: number;
  rowsDeleted: number;
  rowsSetAside: number;
}

/** What one stored page changes in the position row. */
export interface PageCommit {
  events: (PendingOutboxEvent<string> | PendingTombstone<string>)[];
  setAside: SetAsideRow[];
  counts: CaptureCounts;
  /** Codes the page synced: a row set aside before and valid now is no longer set aside. */
  syncedKeys: string[];
}

/** `firstSetAside`: the page's set-aside rows not set aside before (a snapshot reads a bad row every time). */
export type CommitOutcome = { kind: 'committed'; firstSetAside: SetAsideRow[] } | { kind: 'moved' };

type PositionRow = { watermark: string | null; snapshot_cursor: string | null; snapshot_after_key: string | null };

/**
 * The durable position of a capture pipeline, its stored snapshot hashes and set-aside rows, and the one
 * transaction per page that writes the page's events to the outbox and moves the position. The position row
 * is locked and compared with where the page was read from: a runner that lost its leadership mid-page can
 * neither publish a page twice nor move the position backwards.
 */
@Injectable()
export class CatalogSyncRepository {
  private readonly s: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
  ) {
    this.s = quoteIdent(schemaOf(dataSource));
  }

  async position(pipeline: string): Promise<CapturePosition> {
    const [row] = await queryRows<PositionRow>(this.dataSource, `SELECT watermark, snapshot_cursor, snapshot_after_key FROM ${this.s}.catalog_sync_position WHERE pipeline = $1`, [pipeline]);
    if (!row) throw new Error(`no capture position row for pipeline ${pipeline}`);
    return toPosition(row);
  }

  /** The hashes the last snapshot stored for the codes of `range`. */
  async storedHashes(pipeline: string, range: Pick<SnapshotPageRange, 'afterKey' | 'throughKey'>): Promise<StoredHash[]> {
    return queryRows<StoredHash>(this.dataSource, `SELECT code AS key, hash FROM ${this.s}.catalog_sync_hashes WHERE pipeline = $1 AND ${keyRangeSql('code', '$2', '$3')}`, [pipeline, range.afterKey, range.throughKey]);
  }

  /** A watermark page: its events, its set-aside rows, the cursor moved from `from` to `to`. */
  commitWatermarkPage(pipeline: string, from: WatermarkCursor | null, to: WatermarkCursor | null, page: PageCommit): Promise<CommitOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const current = await this.lockPosition(manager, pipeline);
      if (serializeWatermarkCursor(current.watermark) !== serializeWatermarkCursor(from)) return { kind: 'moved' };
      const firstSetAside = await this.storePage(manager, pipeline, page);
      await manager.query(`UPDATE ${this.s}.catalog_sync_position SET watermark = $2 WHERE pipeline = $1`, [pipeline, to === null ? null : serializeWatermarkCursor(to)]);
      return { kind: 'committed', firstSetAside };
    });
  }

  /**
   * A snapshot page: its events, the stored hashes of its range replaced by `store`, the snapshot position
   * moved from `from` to `to` (`to` all null once the snapshot is complete).
   */
  commitSnapshotPage(
    pipeline: string,
    from: Pick<CapturePosition, 'snapshotCursor' | 'snapshotAfterKey'>,
    to: Pick<CapturePosition, 'snapshotCursor' | 'snapshotAfterKey'>,
    range: Pick<SnapshotPageRange, 'afterKey' | 'throughKey'>,
    store: readonly StoredHash[],
    page: PageCommit,
  ): Promise<CommitOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const current = await this.lockPosition(manager, pipeline);
      if (current.snapshotCursor !== from.snapshotCursor || current.snapshotAfterKey !== from.snapshotAfterKey) return { kind: 'moved' };
      const firstSetAside = await this.storePage(manager, pipeline, page);
      await manager.query(`DELETE FROM ${this.s}.catalog_sync_hashes WHERE pipeline = $1 AND ${keyRangeSql('code', '$2', '$3')}`, [pipeline, range.afterKey, range.throughKey]);
      if (store.length > 0) {
        await manager.query(
          `INSERT INTO ${this.s}.catalog_sync_hashes (pipeline, code, hash) SELECT $1, code, hash FROM unnest($2::text[], $3::text[]) AS t(code, hash)`,
          [pipeline, store.map((h) => h.key), store.map((h) => h.hash)],
        );
      }
      const completed = to.snapshotCursor === null && to.snapshotAfterKey === null;
      await manager.query(
        `UPDATE ${this.s}.catalog_sync_position SET snapshot_cursor = $2, snapshot_after_key = $3, snapshots_completed = snapshots_completed + $4 WHERE pipeline = $1`,
        [pipeline, to.snapshotCursor, to.snapshotAfterKey, completed ? 1 : 0],
      );
      return { kind: 'committed', firstSetAside };
    });
  }

  /** The position and counters, for the operator view. */
  async status(pipeline: string): Promise<Record<string, unknown> | undefined> {
    const [row] = await queryRows<Record<string, unknown>>(
      this.dataSource,
      `SELECT p.*, (SELECT count(*)::int FROM ${this.s}.catalog_sync_hashes h WHERE h.pipeline = p.pipeline) AS stored_hashes,
              (SELECT count(*)::int FROM ${this.s}.catalog_sync_set_aside a WHERE a.pipeline = p.pipeline) AS set_aside_rows
         FROM ${this.s}.catalog_sync_position p WHERE p.pipeline = $1`,
      [pipeline],
    );
    return row;
  }

  /** The rows set aside, most recent first. */
  setAsideRows(pipeline: string, limit: number): Promise<{ code: string | null; kind: string; reason: string; times: string; last_seen_at: Date }[]> {
    return queryRows(this.dataSource, `SELECT code, kind, reason, times, last_seen_at FROM ${this.s}.catalog_sync_set_aside WHERE pipeline = $1 ORDER BY last_seen_at DESC, id DESC LIMIT $2`, [pipeline, limit]);
  }

  private async lockPosition(manager: EntityManager, pipeline: string): Promise<CapturePosition> {
    const [row] = await queryRows<PositionRow>(manager, `SELECT watermark, snapshot_cursor, snapshot_after_key FROM ${this.s}.catalog_sync_position WHERE pipeline = $1 FOR UPDATE`, [pipeline]);
    if (!row) throw new Error(`no capture position row for pipeline ${pipeline}`);
    return toPosition(row);
  }

  private async storePage(manager: EntityManager, pipeline: string, page: PageCommit): Promise<SetAsideRow[]> {
    await this.outbox.write(manager, page.events);
    if (page.syncedKeys.length > 0) await manager.query(`DELETE FROM ${this.s}.catalog_sync_set_aside WHERE pipeline = $1 AND code = ANY($2::text[])`, [pipeline, page.syncedKeys]);
    const firstSetAside: SetAsideRow[] = [];
    for (const row of page.setAside) {
      const [stored] = await queryRows<{ first: boolean }>(manager, 
        `INSERT INTO ${this.s}.catalog_sync_set_aside (pipeline, code, kind, reason, raw) VALUES ($1, $2, $3, $4, $5::jsonb)
         ON CONFLICT (pipeline, kind, (coalesce(code, ''))) DO UPDATE SET reason = EXCLUDED.reason, raw = EXCLUDED.raw, times = catalog_sync_set_aside.times + 1, last_seen_at = now()
         RETURNING (xmax = 0) AS first`,
        [pipeline, row.key, row.kind, row.reason, JSON.stringify(row.raw ?? null)],
      );
      if (stored?.first) firstSetAside.push(row);
    }
    const { rowsRead, rowsPublished, rowsDeleted, rowsSetAside } = page.counts;
    await manager.query(
      `UPDATE ${this.s}.catalog_sync_position
          SET rows_read = rows_read + $2, rows_published = rows_published + $3, rows_deleted = rows_deleted + $4, rows_set_aside = rows_set_aside + $5,
              last_page_at = now(), updated_at = now()
        WHERE pipeline = $1`,
      [pipeline, rowsRead, rowsPublished, rowsDeleted, rowsSetAside],
    );
    return firstSetAside;
  }
}

function toPosition(row: PositionRow): CapturePosition {
  return { watermark: row.watermark === null ? null : parseWatermarkCursor(row.watermark), snapshotCursor: row.snapshot_cursor, snapshotAfterKey: row.snapshot_after_key };
}
