import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Metrics } from '@labsync/observability';
import { queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import type { PendingWebhook } from './delivery-plan';
import type { LabWebhookBody } from './webhook-body';

export interface PendingDelivery extends PendingWebhook {
  body: LabWebhookBody;
}

/** A webhook waiting for delivery, or delivered, as GET /sim/webhooks lists it. */
export interface WebhookRecord {
  eventId: string;
  labOrderId: string;
  eventType: LabWebhookBody['type'];
  body: LabWebhookBody;
  createdAt: Date;
  attempts: number;
  deliveredAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
}

interface PendingRow {
  event_id: string;
  seq: string;
  lab_order_id: string;
  body: LabWebhookBody;
  attempts: number;
  created_ms: number;
  next_ms: number;
}

/**
 * The webhook table: webhooks are written in the transaction of the change that causes them (so a change
 * never happens without its webhook, nor the other way round), and read back by the dispatcher.
 */
@Injectable()
export class WebhookOutboxRepository {
  private readonly table: string;
  private readonly changeFeedLockKey: string;
  private readonly enqueued;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Metrics) metrics: Metrics,
  ) {
    const schema = schemaOf(dataSource);
    this.table = `${quoteIdent(schema)}.webhook_outbox`;
    this.changeFeedLockKey = `lab-sim-change-feed:${schema}`;
    this.enqueued = metrics.counter('lab_sim_webhooks_enqueued_total', 'webhooks written to the outbox', ['type']);
  }

  /** Writes a webhook inside the caller's transaction; returns its event id. */
  async enqueue(manager: EntityManager, labOrderId: string, build: (eventId: string, occurredAt: string) => LabWebhookBody): Promise<LabWebhookBody> {
    const body = build(randomUUID(), new Date().toISOString());
    await manager.query(`INSERT INTO ${this.table} (event_id, lab_order_id, event_type, body) VALUES ($1, $2, $3, $4)`, [body.eventId, labOrderId, body.type, JSON.stringify(body)]);
    this.enqueued.inc({ type: body.type });
    return body;
  }

  /**
   * The first two undelivered webhooks of every lab order not in `busyOrderIds` (two, because the reorder
   * fault swaps pairs), with the database clock so that due times are compared on one clock.
   */
  async pending(busyOrderIds: readonly string[]): Promise<{ nowMs: number; byOrder: Map<string, PendingDelivery[]> }> {
    const rows = await queryRows<PendingRow & { now_ms: number }>(
      this.dataSource,
      `SELECT event_id, seq, lab_order_id, body, attempts,
              extract(epoch FROM created_at) * 1000 AS created_ms,
              extract(epoch FROM next_attempt_at) * 1000 AS next_ms,
              extract(epoch FROM clock_timestamp()) * 1000 AS now_ms
         FROM (SELECT w.*, row_number() OVER (PARTITION BY lab_order_id ORDER BY seq) AS pos
                 FROM ${this.table} w
                WHERE delivered_at IS NULL AND NOT (lab_order_id = ANY($1::text[]))) q
        WHERE pos <= 2
        ORDER BY seq`,
      [busyOrderIds],
    );
    const byOrder = new Map<string, PendingDelivery[]>();
    let nowMs = Date.now();
    for (const row of rows) {
      nowMs = Number(row.now_ms);
      const list = byOrder.get(row.lab_order_id) ?? [];
      list.push({
        eventId: row.event_id,
        seq: Number(row.seq),
        labOrderId: row.lab_order_id,
        attempts: row.attempts,
        createdAtMs: Number(row.created_ms),
        nextAttemptAtMs: Number(row.next_ms),
        body: row.body,
      });
      byOrder.set(row.lab_order_id, list);
    }
    return { nowMs, byOrder };
  }

  async markDelivered(eventId: string, status: number): Promise<void> {
    await this.dataSource.query(`UPDATE ${this.table} SET delivered_at = clock_timestamp(), attempts = attempts + 1, last_status = $2, last_error = NULL WHERE event_id = $1`, [eventId, status]);
  }

  /** The receiver refused the webhook for good (422): done, with its answer kept for GET /sim/webhooks. */
  async markRefused(eventId: string, status: number, error: string): Promise<void> {
    await this.dataSource.query(`UPDATE ${this.table} SET delivered_at = clock_timestamp(), attempts = attempts + 1, last_status = $2, last_error = $3 WHERE event_id = $1`, [eventId, status, error]);
  }

  /** Records a failed attempt of `failed` and holds the order's head (the webhook that must go first) back for `delayMs`. */
  async scheduleRetry(failed: PendingWebhook, head: PendingWebhook, delayMs: number, outcome: { status?: number; error?: string }): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.table}
          SET attempts = attempts + CASE WHEN event_id = $1 THEN 1 ELSE 0 END,
              last_status = CASE WHEN event_id = $1 THEN $3 ELSE last_status END,
              last_error = CASE WHEN event_id = $1 THEN $4 ELSE last_error END,
              next_attempt_at = clock_timestamp() + $5 * interval '1 millisecond'
        WHERE event_id IN ($1, $2)`,
      [failed.eventId, head.eventId, outcome.status ?? null, outcome.error ?? null, delayMs],
    );
  }

  /** The last `limit` webhooks (of one lab order, if given), oldest first. */
  async recent(filter: { labOrderId?: string; limit: number }): Promise<WebhookRecord[]> {
    const rows = await queryRows<WebhookRecord>(
      this.dataSource,
      `SELECT event_id AS "eventId", lab_order_id AS "labOrderId", event_type AS "eventType", body, created_at AS "createdAt",
              attempts, delivered_at AS "deliveredAt", last_status AS "lastStatus", last_error AS "lastError"
         FROM ${this.table}
        WHERE $1::text IS NULL OR lab_order_id = $1
        ORDER BY seq DESC
        LIMIT $2`,
      [filter.labOrderId ?? null, filter.limit],
    );
    return rows.reverse();
  }

  /**
   * Gives up to `limit` committed webhooks without a change-feed position the next positions, in `seq` order,
   * under a transaction-scoped advisory lock so that numbering transactions never interleave.
   */
  async numberNewChanges(manager: EntityManager, limit: number): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.changeFeedLockKey]);
    await manager.query(
      `WITH last AS (SELECT coalesce(max(change_seq), 0) AS n FROM ${this.table}),
            todo AS (SELECT event_id, row_number() OVER (ORDER BY seq) AS k
                       FROM (SELECT event_id, seq FROM ${this.table} WHERE change_seq IS NULL ORDER BY seq LIMIT $1) unsequenced)
       UPDATE ${this.table} w SET change_seq = last.n + todo.k FROM last, todo WHERE w.event_id = todo.event_id`,
      [limit],
    );
  }

  /** The last change-feed position handed out (0: none yet). */
  async lastChangePosition(manager: EntityManager): Promise<number> {
    const [row] = await queryRows<{ n: string }>(manager, `SELECT coalesce(max(change_seq), 0) AS n FROM ${this.table}`);
    return Number(row?.n ?? 0);
  }

  /** Up to `limit` webhooks after change-feed position `since`, in position order. */
  async changesAfter(manager: EntityManager, since: number, limit: number): Promise<{ position: string; body: LabWebhookBody }[]> {
    const rows = await queryRows<{ change_seq: string; body: LabWebhookBody }>(
      manager,
      `SELECT change_seq, body FROM ${this.table} WHERE change_seq > $1 ORDER BY change_seq LIMIT $2`,
      [since, limit],
    );
    return rows.map((row) => ({ position: row.change_seq, body: row.body }));
  }
}
