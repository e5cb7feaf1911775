import { Injectable } from '@nestjs/common';
import { queryRows, schemaOf } from '@labsync/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { labAdapterTables, type LabAdapterTables } from '../database/lab-adapter-tables';
import type { LabWebhook } from './lab-webhook.schema';

/** A stored lab event not yet relayed, as the relay reads it back (its body is re-validated there). */
export interface PendingLabEvent {
  eventId: string;
  body: unknown;
}

/** A refused event's answer, kept so that a resend gets the same one. */
export interface RefusedLabEvent {
  reason: string;
  correlationId: string | null;
}

/**
 * The lab inbox (lab_inbox) and the events set aside from it (lab_set_aside_events): every statement the
 * webhook intake, the inbox relay and the sweeper run on them. Methods taking a manager run in the caller's
 * transaction (under the lab order's lock where the caller holds it).
 */
@Injectable()
export class LabInboxRepository {
  private readonly tables: LabAdapterTables;
  private readonly lockNamespace: string;

  constructor(private readonly dataSource: DataSource) {
    const schema = schemaOf(dataSource);
    this.tables = labAdapterTables(schema);
    this.lockNamespace = `labsync-lab-inbox:${schema}`;
  }

  /** Serialises work on one lab order's inbox until the transaction ends (re-entrant within it). */
  async lockLabOrder(manager: EntityManager, labOrderId: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [this.lockNamespace, labOrderId]);
  }

  /** Stores a verified webhook; false when its event id was stored before. */
  async insert(manager: EntityManager, webhook: LabWebhook): Promise<boolean> {
    const inserted = await queryRows<unknown>(manager,
      `INSERT INTO ${this.tables.inbox} (event_id, lab_order_id, type, body) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [webhook.eventId, webhook.data.labOrderId, webhook.type, JSON.stringify(webhook)],
    );
    return inserted.length > 0;
  }

  async findRefused(manager: EntityManager, eventId: string): Promise<RefusedLabEvent | null> {
    const [row] = await queryRows<{ reason: string; correlation_id: string | null }>(manager,
      `SELECT reason, correlation_id FROM ${this.tables.setAside} WHERE event_id = $1 AND disposition = 'refused'`, [eventId]);
    return row ? { reason: row.reason, correlationId: row.correlation_id } : null;
  }

  /** The correlation id the lab order was accepted under (lab_orders); null while it is not mapped. */
  async correlationIdOf(manager: EntityManager, labOrderId: string): Promise<string | null> {
    const [row] = await queryRows<{ correlation_id: string }>(manager, `SELECT correlation_id FROM ${this.tables.orders} WHERE lab_order_id = $1`, [labOrderId]);
    return row?.correlation_id ?? null;
  }

  /** The lab order's events not relayed yet, oldest arrival first. */
  async pending(manager: EntityManager, labOrderId: string): Promise<PendingLabEvent[]> {
    const rows = await queryRows<{ event_id: string; body: unknown }>(manager,
      `SELECT event_id, body FROM ${this.tables.inbox} WHERE lab_order_id = $1 AND processed_at IS NULL ORDER BY arrival`,
      [labOrderId],
    );
    return rows.map((row) => ({ eventId: row.event_id, body: row.body }));
  }

  async markProcessed(manager: EntityManager, eventIds: readonly string[]): Promise<void> {
    await manager.query(`UPDATE ${this.tables.inbox} SET processed_at = now() WHERE event_id = ANY($1::uuid[])`, [eventIds]);
  }

  /** Keeps refused events (event id -> reason) for an operator; their inbox rows count as processed, so a resend is a duplicate. */
  async setAsideRefused(manager: EntityManager, correlationId: string, refused: ReadonlyMap<string, string>): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.tables.setAside} (event_id, lab_order_id, correlation_id, type, disposition, reason, body, received_at)
       SELECT i.event_id, i.lab_order_id, $1, i.type, 'refused', r.reason, i.body, i.received_at
         FROM unnest($2::uuid[], $3::text[]) AS r(event_id, reason) JOIN ${this.tables.inbox} i ON i.event_id = r.event_id
       ON CONFLICT (event_id) DO NOTHING`,
      [correlationId, [...refused.keys()], [...refused.values()]],
    );
    await this.markProcessed(manager, [...refused.keys()]);
  }

  /** Up to `limit` lab orders that have pending events and are mapped by now. */
  async mappedLabOrdersWithPending(limit: number): Promise<string[]> {
    const rows = await queryRows<{ lab_order_id: string }>(this.dataSource,
      `SELECT DISTINCT i.lab_order_id FROM ${this.tables.inbox} i
       JOIN ${this.tables.orders} o ON o.lab_order_id = i.lab_order_id
       WHERE i.processed_at IS NULL
       LIMIT $1`,
      [limit],
    );
    return rows.map((row) => row.lab_order_id);
  }

  /**
   * Sets aside, as expired with `reason`, the pending events older than `olderThanMs` whose lab order is
   * still unknown. Row locks make it safe beside the relay: a row it relays meanwhile is no longer pending
   * when this statement re-checks it.
   */
  async expireUnmapped(olderThanMs: number, reason: string): Promise<{ eventId: string; labOrderId: string }[]> {
    const rows = await queryRows<{ event_id: string; lab_order_id: string }>(this.dataSource,
      `WITH expired AS (
         UPDATE ${this.tables.inbox} i SET processed_at = now()
          WHERE i.processed_at IS NULL AND i.received_at < now() - $1 * interval '1 millisecond'
            AND NOT EXISTS (SELECT 1 FROM ${this.tables.orders} o WHERE o.lab_order_id = i.lab_order_id)
          RETURNING i.event_id, i.lab_order_id, i.type, i.body, i.received_at)
       INSERT INTO ${this.tables.setAside} (event_id, lab_order_id, type, disposition, reason, body, received_at)
       SELECT event_id, lab_order_id, type, 'expired', $2, body, received_at FROM expired
       ON CONFLICT (event_id) DO NOTHING
       RETURNING event_id, lab_order_id`,
      [olderThanMs, reason],
    );
    return rows.map((row) => ({ eventId: row.event_id, labOrderId: row.lab_order_id }));
  }

  /** Events stored but not relayed yet, over every lab order. */
  async countPending(): Promise<number> {
    const [row] = await queryRows<{ n: string }>(this.dataSource, `SELECT count(*) AS n FROM ${this.tables.inbox} WHERE processed_at IS NULL`);
    return Number(row?.n ?? 0);
  }
}
