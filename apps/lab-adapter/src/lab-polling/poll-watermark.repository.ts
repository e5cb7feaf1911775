import { Injectable } from '@nestjs/common';
import { queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
import { DataSource } from 'typeorm';
import { ReceiveLabEvent, type StoredLabEvent } from '../lab-webhooks/receive-lab-event.use-case';
import type { LabChange } from './lab-changes-page';

/** The feed this deployment polls: one lab per lab-adapter deployment. */
export const LAB_FEED = 'lab';

export type CommitOutcome =
  | { kind: 'committed'; stored: { change: LabChange; stored: StoredLabEvent }[] }
  /** The watermark is no longer where this page was read from (another replica stored it): nothing was written. */
  | { kind: 'moved'; cursor: string | null };

/**
 * The durable watermark of the lab's change feed, and the one transaction that stores a page of changes in the
 * lab inbox (through the same use case as webhooks) and moves the watermark past them.
 */
@Injectable()
export class PollWatermarkRepository {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly receiveLabEvent: ReceiveLabEvent,
  ) {
    this.table = `${quoteIdent(schemaOf(dataSource))}.lab_poll_watermark`;
  }

  /** The cursor to read after; null: from the lab's first change. */
  async current(): Promise<string | null> {
    const rows = await queryRows<{ cursor: string | null }>(this.dataSource, `SELECT cursor FROM ${this.table} WHERE feed = $1`, [LAB_FEED]);
    return rows[0]?.cursor ?? null;
  }

  /**
   * Stores `changes` (read after `since`) and sets the watermark to `nextCursor`, all or nothing. The watermark
   * row is locked first and compared with `since`: a poller that lost its leadership mid-page cannot move it
   * backwards or store a page twice.
   */
  async commitPage(since: string | null, changes: LabChange[], nextCursor: string | null): Promise<CommitOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const [row] = await queryRows<{ cursor: string | null }>(manager, `SELECT cursor FROM ${this.table} WHERE feed = $1 FOR UPDATE`, [LAB_FEED]);
      const cursor = row?.cursor ?? null;
      if (cursor !== since) return { kind: 'moved', cursor };
      const stored: { change: LabChange; stored: StoredLabEvent }[] = [];
      for (const change of changes) stored.push({ change, stored: await this.receiveLabEvent.storeWithin(manager, change.event) });
      const lastChangeAt = changes.at(-1)?.event.occurredAt ?? null;
      await manager.query(
        `UPDATE ${this.table}
            SET cursor = $2, changes_stored = changes_stored + $3, last_change_at = coalesce($4::timestamptz, last_change_at), updated_at = now()
          WHERE feed = $1`,
        [LAB_FEED, nextCursor, stored.filter((s) => s.stored.outcome !== 'duplicate').length, lastChangeAt],
      );
      return { kind: 'committed', stored };
    });
  }
}
