import { Injectable } from '@nestjs/common';
import { queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { callbackChannel } from '../database/channels';
import type { PartnerCallbackBody } from './callback-body';

/** DEAD: given up after CALLBACK_MAX_ATTEMPTS; holds its correlation's later notifications until replayed. */
export type DeliveryState = 'PENDING' | 'DELIVERED' | 'DEAD';

/** A notification to queue for a partner's portal. */
export interface NewDelivery {
  notificationId: string;
  correlationId: string;
  seq: number;
  partnerId: string;
  body: PartnerCallbackBody;
}

/** A delivery this worker holds the lease of. */
export interface ClaimedDelivery {
  notificationId: string;
  correlationId: string;
  seq: number;
  partnerId: string;
  body: PartnerCallbackBody;
  /** Attempts made before this one. */
  attempts: number;
  createdAt: Date;
  /** The lease taken by this claim (millisecond precision, so it compares exactly when written back). */
  leaseUntil: Date;
}

/** A dead-lettered callback as an operator sees it. */
export interface DeadCallback {
  notificationId: string;
  correlationId: string;
  seq: number;
  partnerId: string;
  type: PartnerCallbackBody['type'];
  /** Attempts made since it was queued or last replayed (CALLBACK_MAX_ATTEMPTS when it died). */
  attempts: number;
  lastError: string | null;
  deadAt: string;
  createdAt: string;
  replays: number;
  lastReplayedAt: string | null;
  /** Later notifications of the same correlation held back behind this one (order per correlation id). */
  heldNotifications: number;
}

/** A delivery an operator put back in the queue. */
export interface ReplayedCallback {
  notificationId: string;
  correlationId: string;
  seq: number;
  partnerId: string;
  replays: number;
}

export interface DeadCallbackFilter {
  partnerId?: string | undefined;
  correlationId?: string | undefined;
}

interface ClaimedRow {
  notification_id: string;
  correlation_id: string;
  seq: number;
  partner_id: string;
  body: PartnerCallbackBody;
  attempts: number;
  created_at: Date;
  lease_until: Date;
}

interface DeadRow {
  notification_id: string;
  correlation_id: string;
  seq: number;
  partner_id: string;
  type: PartnerCallbackBody['type'];
  attempts: number;
  last_error: string | null;
  dead_at: Date;
  created_at: Date;
  replays: number;
  replayed_at: Date | null;
  held: string;
}

interface ReplayedRow {
  notification_id: string;
  correlation_id: string;
  seq: number;
  partner_id: string;
  replays: number;
}

/**
 * The notifications owed to partner portals (table callback_deliveries), used as a work queue. Several
 * replicas claim from it at once (FOR UPDATE SKIP LOCKED plus a lease that outlives a crashed worker only
 * briefly), and only the head of line of each correlation (its lowest undelivered seq) is ever claimable, so
 * a portal never gets n+1 before it acknowledged n. A DEAD delivery is not claimable and still counts as
 * undelivered: it holds the rest of its correlation until an operator replays it.
 */
@Injectable()
export class CallbackDeliveriesRepository {
  readonly schema: string;
  private readonly table: string;

  constructor(private readonly dataSource: DataSource) {
    this.schema = schemaOf(dataSource);
    this.table = `${quoteIdent(this.schema)}.callback_deliveries`;
  }

  /** Queues those not queued before (the id is derived from correlation and seq); returns how many were new. */
  async enqueue(manager: EntityManager, deliveries: NewDelivery[]): Promise<number> {
    if (deliveries.length === 0) return 0;
    const values: unknown[] = [];
    const rows = deliveries.map((d, i) => {
      values.push(d.notificationId, d.correlationId, d.seq, d.partnerId, JSON.stringify(d.body));
      const b = i * 5;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}::jsonb)`;
    });
    const inserted = await queryRows(
      manager,
      `INSERT INTO ${this.table} (notification_id, correlation_id, seq, partner_id, body)
       VALUES ${rows.join(', ')} ON CONFLICT DO NOTHING RETURNING notification_id`,
      values,
    );
    return inserted.length;
  }

  /** Leases up to `limit` due heads of line for `leaseMs`. */
  async claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const table = this.table;
    const rows = await queryRows<ClaimedRow>(
      this.dataSource,
      `UPDATE ${table} AS d
          SET lease_until = date_trunc('milliseconds', clock_timestamp()) + make_interval(secs => $2::double precision / 1000)
        WHERE d.notification_id IN (
          SELECT c.notification_id FROM ${table} AS c
           WHERE c.state = 'PENDING'
             AND c.next_attempt_at <= now()
             AND (c.lease_until IS NULL OR c.lease_until <= now())
             AND NOT EXISTS (
               SELECT 1 FROM ${table} AS earlier
                WHERE earlier.correlation_id = c.correlation_id AND earlier.state <> 'DELIVERED' AND earlier.seq < c.seq)
           ORDER BY c.next_attempt_at
           LIMIT $1
           FOR UPDATE SKIP LOCKED)
        RETURNING d.notification_id, d.correlation_id, d.seq, d.partner_id, d.body, d.attempts, d.created_at, d.lease_until`,
      [limit, leaseMs],
    );
    return rows.map((r) => ({
      notificationId: r.notification_id,
      correlationId: r.correlation_id,
      seq: r.seq,
      partnerId: r.partner_id,
      body: r.body,
      attempts: r.attempts,
      createdAt: r.created_at,
      leaseUntil: r.lease_until,
    }));
  }

  /** PENDING -> DELIVERED; the attempts it took, or undefined when it was not PENDING any more. */
  async markDelivered(manager: EntityManager, notificationId: string, deliveredAt: Date): Promise<number | undefined> {
    const [row] = await queryRows<{ attempts: number }>(
      manager,
      `UPDATE ${this.table}
          SET state = 'DELIVERED', attempts = attempts + 1, delivered_at = $2, lease_until = NULL, last_error = NULL
        WHERE notification_id = $1 AND state = 'PENDING'
        RETURNING attempts`,
      [notificationId, deliveredAt],
    );
    return row?.attempts;
  }

  /** Counts a failed attempt and schedules the next; undefined when `delivery`'s lease was taken over. */
  async markRetry(delivery: ClaimedDelivery, lastError: string, retryInMs: number): Promise<number | undefined> {
    const [row] = await queryRows<{ attempts: number }>(
      this.dataSource,
      `UPDATE ${this.table}
          SET attempts = attempts + 1, last_error = $3, lease_until = NULL,
              next_attempt_at = clock_timestamp() + make_interval(secs => $4::double precision / 1000)
        WHERE notification_id = $1 AND state = 'PENDING' AND lease_until = $2
        RETURNING attempts`,
      [delivery.notificationId, delivery.leaseUntil, lastError, retryInMs],
    );
    return row?.attempts;
  }

  /** Counts the last failed attempt and makes the delivery DEAD; undefined when `delivery`'s lease was taken over. */
  async markDead(manager: EntityManager, delivery: ClaimedDelivery, lastError: string): Promise<{ attempts: number; deadAt: Date } | undefined> {
    const [row] = await queryRows<{ attempts: number; dead_at: Date }>(
      manager,
      `UPDATE ${this.table}
          SET state = 'DEAD', attempts = attempts + 1, last_error = $3, lease_until = NULL, dead_at = date_trunc('milliseconds', clock_timestamp())
        WHERE notification_id = $1 AND state = 'PENDING' AND lease_until = $2
        RETURNING attempts, dead_at`,
      [delivery.notificationId, delivery.leaseUntil, lastError],
    );
    return row && { attempts: row.attempts, deadAt: row.dead_at };
  }

  async countInState(state: DeliveryState): Promise<number> {
    const [row] = await queryRows<{ n: string }>(this.dataSource, `SELECT count(*) AS n FROM ${this.table} WHERE state = $1`, [state]);
    return Number(row?.n ?? 0);
  }

  async stateOf(manager: EntityManager, notificationId: string): Promise<DeliveryState | undefined> {
    const [row] = await queryRows<{ state: DeliveryState }>(manager, `SELECT state FROM ${this.table} WHERE notification_id = $1`, [notificationId]);
    return row?.state;
  }

  /** Dead deliveries matching the filter, oldest death first, and how many match in all. */
  async listDead(filter: DeadCallbackFilter, limit: number): Promise<{ deadLetters: DeadCallback[]; total: number }> {
    const table = this.table;
    const where = `d.state = 'DEAD' AND ($1::text IS NULL OR d.partner_id = $1) AND ($2::text IS NULL OR d.correlation_id = $2)`;
    const parameters = [filter.partnerId ?? null, filter.correlationId ?? null];
    const rows = await queryRows<DeadRow>(
      this.dataSource,
      `SELECT d.notification_id, d.correlation_id, d.seq, d.partner_id, d.body->>'type' AS type, d.attempts, d.last_error,
              d.dead_at, d.created_at, d.replays, d.replayed_at,
              (SELECT count(*) FROM ${table} AS later
                WHERE later.correlation_id = d.correlation_id AND later.seq > d.seq AND later.state <> 'DELIVERED') AS held
         FROM ${table} AS d
        WHERE ${where}
        ORDER BY d.dead_at, d.correlation_id, d.seq
        LIMIT $3`,
      [...parameters, limit],
    );
    const [count] = await queryRows<{ n: string }>(this.dataSource, `SELECT count(*) AS n FROM ${table} AS d WHERE ${where}`, parameters);
    return {
      total: Number(count?.n ?? 0),
      deadLetters: rows.map((r) => ({
        notificationId: r.notification_id,
        correlationId: r.correlation_id,
        seq: r.seq,
        partnerId: r.partner_id,
        type: r.type,
        attempts: r.attempts,
        lastError: r.last_error,
        deadAt: r.dead_at.toISOString(),
        createdAt: r.created_at.toISOString(),
        replays: r.replays,
        lastReplayedAt: r.replayed_at?.toISOString() ?? null,
        heldNotifications: Number(r.held),
      })),
    };
  }

  /** Replays this delivery if it is DEAD (see replayWhere); undefined otherwise. */
  async replayIfDead(manager: EntityManager, notificationId: string): Promise<ReplayedCallback | undefined> {
    const [replayed] = await this.replayWhere(manager, 'notification_id = $1', [notificationId]);
    return replayed;
  }

  /** Replays up to `limit` dead deliveries matching the filter, oldest death first; rows another replay holds are skipped. */
  async replayOldestDead(manager: EntityManager, filter: DeadCallbackFilter, limit: number): Promise<ReplayedCallback[]> {
    return this.replayWhere(
      manager,
      `notification_id IN (
         SELECT notification_id FROM ${this.table}
          WHERE state = 'DEAD' AND ($1::text IS NULL OR partner_id = $1) AND ($2::text IS NULL OR correlation_id = $2)
          ORDER BY dead_at, correlation_id, seq
          LIMIT $3
          FOR UPDATE SKIP LOCKED)`,
      [filter.partnerId ?? null, filter.correlationId ?? null, limit],
    );
  }

  /** DEAD -> PENDING with the attempt budget reset and due now, guarded by `state = 'DEAD'` so only dead rows move. */
  private async replayWhere(manager: EntityManager, condition: string, parameters: unknown[]): Promise<ReplayedCallback[]> {
    const rows = await queryRows<ReplayedRow>(
      manager,
      `UPDATE ${this.table}
          SET state = 'PENDING', attempts = 0, next_attempt_at = clock_timestamp(), lease_until = NULL, dead_at = NULL,
              replays = replays + 1, replayed_at = clock_timestamp()
        WHERE state = 'DEAD' AND ${condition}
        RETURNING notification_id, correlation_id, seq, partner_id, replays`,
      parameters,
    );
    // Wake the delivery workers of every replica on commit instead of at their next poll.
    if (rows.length > 0) await queryRows(manager, `SELECT pg_notify($1, '')`, [callbackChannel(this.schema)]);
    return rows
      .map((r) => ({ notificationId: r.notification_id, correlationId: r.correlation_id, seq: r.seq, partnerId: r.partner_id, replays: r.replays }))
      .sort((a, b) => a.correlationId.localeCompare(b.correlationId) || a.seq - b.seq);
  }

  get databaseUrl(): string {
    return (this.dataSource.options as { url: string }).url;
  }
}
