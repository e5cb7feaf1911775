import { Inject, Injectable } from '@nestjs/common';
import { Metrics } from '@labsync/observability';
import { queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
import { DataSource } from 'typeorm';
import { serializeWebhook, type LabWebhookBody } from '../webhooks/webhook-body';
import { encodeCursor } from './change-cursor';

/** One change of the feed: the webhook body the lab sends (or would send) for it, plus its cursor. */
export type LabChange = { cursor: string } & LabWebhookBody;

export type ChangePage = { kind: 'page'; changes: LabChange[]; nextCursor: string } | { kind: 'unknown-cursor'; lastPosition: number };

/**
 * The lab's changes in the order they happened, read from the webhook outbox (same event ids, same bodies
 * as the webhooks). Before reading, committed changes that have no feed position yet are numbered after the
 * last one, under a transaction-scoped advisory lock so that numbering transactions never interleave: a
 * reader that has seen position n will never later find a change numbered below n. Changes of one lab order
 * commit one after the other (the order row is locked), so they are numbered in the order they happened.
 */
@Injectable()
export class ChangeFeed {
  private readonly table: string;
  private readonly lockKey: string;
  private readonly served;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Metrics) metrics: Metrics,
  ) {
    const schema = schemaOf(dataSource);
    this.table = `${quoteIdent(schema)}.webhook_outbox`;
    this.lockKey = `lab-sim-change-feed:${schema}`;
    this.served = metrics.counter('lab_sim_changes_served_total', 'changes returned by GET /api/orders/changes');
  }

  /** Up to `limit` changes after position `since`; `unknown-cursor` when `since` is past the last position ever handed out. */
  async read(since: number, limit: number): Promise<ChangePage> {
    const page = await this.dataSource.transaction(async (manager): Promise<ChangePage> => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.lockKey]);
      await manager.query(
        `WITH last AS (SELECT coalesce(max(change_seq), 0) AS n FROM ${this.table}),
              todo AS (SELECT event_id, row_number() OVER (ORDER BY seq) AS k
                         FROM (SELECT event_id, seq FROM ${this.table} WHERE change_seq IS NULL ORDER BY seq LIMIT $1) unsequenced)
         UPDATE ${this.table} w SET change_seq = last.n + todo.k FROM last, todo WHERE w.event_id = todo.event_id`,
        [limit],
      );
      const [{ n: lastPosition }] = await queryRows<{ n: string }>(manager, `SELECT coalesce(max(change_seq), 0) AS n FROM ${this.table}`) as [{ n: string }];
      if (since > Number(lastPosition)) return { kind: 'unknown-cursor', lastPosition: Number(lastPosition) };
      const rows = await queryRows<{ change_seq: string; body: LabWebhookBody }>(
        manager,
        `SELECT change_seq, body FROM ${this.table} WHERE change_seq > $1 ORDER BY change_seq LIMIT $2`,
        [since, limit],
      );
      const changes = rows.map((row) => ({ cursor: encodeCursor(row.change_seq), ...(JSON.parse(serializeWebhook(row.body)) as LabWebhookBody) }));
      return { kind: 'page', changes, nextCursor: changes.at(-1)?.cursor ?? encodeCursor(since) };
    });
    if (page.kind === 'page') this.served.inc(page.changes.length);
    return page;
  }
}
