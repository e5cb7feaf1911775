import { Injectable } from '@nestjs/common';
import { queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
import { DataSource, type EntityManager } from 'typeorm';

export type UnconfirmedState = 'open' | 'resolved';

export interface UnconfirmedRequest {
  correlationId: string;
  partnerId: string;
  portalRequestId: string;
  receivedAt: string;
  detectedAt: string;
  resolvedAt: string | null;
  /** Its request.submitted is still in this app's outbox, waiting for the relay (the relay is the suspect). */
  pendingInOutbox: boolean;
  /** Its request.submitted was parked by the outbox relay (GET /v1/operator/outbox/parked says why). */
  parkedInOutbox: boolean;
  /** How many times an operator queued its request.submitted again. */
  republished: number;
}

interface UnconfirmedRow {
  correlation_id: string;
  partner_id: string;
  portal_request_id: string;
  received_at: Date;
  detected_at: Date;
  resolved_at: Date | null;
  pending_in_outbox: boolean;
  parked_in_outbox: boolean;
  republished: number;
}

export interface StoredRequest {
  partnerId: string;
  receivedAt: Date;
  request: unknown;
}

/** The SQL of the detector and of its operator API; nothing else names these tables. */
@Injectable()
export class UnconfirmedRequestsRepository {
  constructor(private readonly dataSource: DataSource) {}

  get schema(): string {
    return schemaOf(this.dataSource);
  }

  private table(name: string): string {
    return `${quoteIdent(this.schema)}.${name}`;
  }

  /** One detector pass at a time across replicas: false when another replica holds the pass. */
  async tryLockPass(manager: EntityManager): Promise<boolean> {
    const rows = await queryRows<{ locked: boolean }>(manager, 'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', [`labsync-unconfirmed:${this.schema}`]);
    return rows[0]?.locked === true;
  }

  /**
   * Reads the next `limit` requests stored after the scan position and before `before`, records those with
   * no correlation snapshot as unconfirmed, and moves the position past them. Returns the newly detected ids
   * and whether the scan reached `before`.
   */
  async scanNext(manager: EntityManager, before: Date, limit: number): Promise<{ detected: string[]; caughtUp: boolean }> {
    const scanned = await queryRows<{ correlation_id: string; received_at: Date; confirmed: boolean }>(
      manager,
      `WITH position AS (
         SELECT scanned_through_at AS at, scanned_through_id AS id FROM ${this.table('unconfirmed_scan')} WHERE id = 1
         UNION ALL SELECT '-infinity'::timestamptz, '00000000-0000-0000-0000-000000000000'::uuid
         ORDER BY at DESC LIMIT 1)
       SELECT t.correlation_id, t.received_at,
              EXISTS (SELECT 1 FROM ${this.table('correlation_views')} v WHERE v.correlation_id = t.correlation_id::text) AS confirmed
         FROM ${this.table('test_requests')} t, position p
        WHERE (t.received_at, t.correlation_id) > (p.at, p.id) AND t.received_at < $1
        ORDER BY t.received_at, t.correlation_id
        LIMIT $2`,
      [before, limit],
    );
    const last = scanned.at(-1);
    if (!last) return { detected: [], caughtUp: true };
    const missing = scanned.filter((r) => !r.confirmed).map((r) => r.correlation_id);
    const detected =
      missing.length === 0
        ? []
        : (
            await queryRows<{ correlation_id: string }>(
              manager,
              `INSERT INTO ${this.table('unconfirmed_requests')} (correlation_id) SELECT unnest($1::uuid[])
               ON CONFLICT DO NOTHING RETURNING correlation_id`,
              [missing],
            )
          ).map((r) => r.correlation_id);
    await manager.query(
      `INSERT INTO ${this.table('unconfirmed_scan')} (id, scanned_through_at, scanned_through_id) VALUES (1, $1, $2)
       ON CONFLICT (id) DO UPDATE SET scanned_through_at = EXCLUDED.scanned_through_at, scanned_through_id = EXCLUDED.scanned_through_id`,
      [last.received_at, last.correlation_id],
    );
    return { detected, caughtUp: scanned.length < limit };
  }

  /** Marks open entries whose snapshot has arrived since as resolved; returns their ids. */
  async resolveArrived(manager: EntityManager): Promise<string[]> {
    const rows = await queryRows<{ correlation_id: string }>(
      manager,
      `UPDATE ${this.table('unconfirmed_requests')} u SET resolved_at = now()
        WHERE u.resolved_at IS NULL
          AND EXISTS (SELECT 1 FROM ${this.table('correlation_views')} v WHERE v.correlation_id = u.correlation_id::text)
        RETURNING u.correlation_id`,
    );
    return rows.map((r) => r.correlation_id);
  }

  async openCount(db: DataSource | EntityManager = this.dataSource): Promise<number> {
    const rows = await queryRows<{ n: string }>(db, `SELECT count(*) AS n FROM ${this.table('unconfirmed_requests')} WHERE resolved_at IS NULL`);
    return Number(rows[0]?.n ?? 0);
  }

  async list(state: UnconfirmedState, limit: number): Promise<{ requests: UnconfirmedRequest[]; total: number }> {
    const condition = state === 'open' ? 'u.resolved_at IS NULL' : 'u.resolved_at IS NOT NULL';
    const rows = await queryRows<UnconfirmedRow>(
      this.dataSource,
      `SELECT u.correlation_id, t.partner_id, t.portal_request_id, t.received_at, u.detected_at, u.resolved_at, u.republished,
              EXISTS (SELECT 1 FROM ${this.table('outbox')} o WHERE o.message_key = u.correlation_id::text) AS pending_in_outbox,
              EXISTS (SELECT 1 FROM ${this.table('outbox_parked')} o WHERE o.message_key = u.correlation_id::text) AS parked_in_outbox
         FROM ${this.table('unconfirmed_requests')} u JOIN ${this.table('test_requests')} t USING (correlation_id)
        WHERE ${condition}
        ORDER BY u.detected_at, u.correlation_id
        LIMIT $1`,
      [limit],
    );
    const total = await queryRows<{ n: string }>(this.dataSource, `SELECT count(*) AS n FROM ${this.table('unconfirmed_requests')} u WHERE ${condition}`);
    return { requests: rows.map(toUnconfirmedRequest), total: Number(total[0]?.n ?? 0) };
  }

  /** Locks an open entry for a republish; undefined when there is none for this id. */
  async lockOpen(manager: EntityManager, correlationId: string): Promise<(StoredRequest & { resolved: boolean }) | undefined> {
    const rows = await queryRows<{ partner_id: string; received_at: Date; request: unknown; resolved_at: Date | null }>(
      manager,
      `SELECT t.partner_id, t.received_at, t.request, u.resolved_at
         FROM ${this.table('unconfirmed_requests')} u JOIN ${this.table('test_requests')} t USING (correlation_id)
        WHERE u.correlation_id = $1 FOR UPDATE OF u`,
      [correlationId],
    );
    const row = rows[0];
    return row && { partnerId: row.partner_id, receivedAt: row.received_at, request: row.request, resolved: row.resolved_at !== null };
  }

  async countRepublish(manager: EntityManager, correlationId: string): Promise<number> {
    const rows = await queryRows<{ republished: number }>(
      manager,
      `UPDATE ${this.table('unconfirmed_requests')} SET republished = republished + 1 WHERE correlation_id = $1 RETURNING republished`,
      [correlationId],
    );
    return rows[0]?.republished ?? 0;
  }
}

function toUnconfirmedRequest(row: UnconfirmedRow): UnconfirmedRequest {
  return {
    correlationId: row.correlation_id,
    partnerId: row.partner_id,
    portalRequestId: row.portal_request_id,
    receivedAt: row.received_at.toISOString(),
    detectedAt: row.detected_at.toISOString(),
    resolvedAt: row.resolved_at?.toISOString() ?? null,
    pendingInOutbox: row.pending_in_outbox,
    parkedInOutbox: row.parked_in_outbox,
    republished: row.republished,
  };
}
