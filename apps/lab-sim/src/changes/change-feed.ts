import { Inject, Injectable } from '@nestjs/common';
import { Metrics } from '@labsync/observability';
import { DataSource } from 'typeorm';
import { serializeWebhook, type LabWebhookBody } from '../webhooks/webhook-body';
import { WebhookOutboxRepository } from '../webhooks/webhook-outbox.repository';
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
  private readonly served;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(WebhookOutboxRepository) private readonly webhooks: WebhookOutboxRepository,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.served = metrics.counter('lab_sim_changes_served_total', 'changes returned by GET /api/orders/changes');
  }

  /** Up to `limit` changes after position `since`; `unknown-cursor` when `since` is past the last position ever handed out. */
  async read(since: number, limit: number): Promise<ChangePage> {
    const page = await this.dataSource.transaction(async (manager): Promise<ChangePage> => {
      await this.webhooks.numberNewChanges(manager, limit);
      const lastPosition = await this.webhooks.lastChangePosition(manager);
      if (since > lastPosition) return { kind: 'unknown-cursor', lastPosition };
      const rows = await this.webhooks.changesAfter(manager, since, limit);
      const changes = rows.map((row) => ({ cursor: encodeCursor(row.position), ...(JSON.parse(serializeWebhook(row.body)) as LabWebhookBody) }));
      return { kind: 'page', changes, nextCursor: changes.at(-1)?.cursor ?? encodeCursor(since) };
    });
    if (page.kind === 'page') this.served.inc(page.changes.length);
    return page;
  }
}
