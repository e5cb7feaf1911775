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
export class WebhookOutbox {
  private readonly table: string;
  private readonly enqueued;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.table = `${quoteIdent(schemaOf(dataSource))}.webhook_outbox`;
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
}
