import { Injectable } from '@nestjs/common';
import { queryRows, quoteIdent } from '@labsync/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { callbackChannel } from '../database/channels';
import type { PartnerCallbackBody } from './callback-body';
import type { DeliveryState } from './callback-delivery.entity';

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

export type ReplayOneOutcome =
  | { outcome: 'replayed'; delivery: ReplayedCallback }
  | { outcome: 'unknown' }
  | { outcome: 'not-dead'; state: Exclude<DeliveryState, 'DEAD'> };

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
 * Dead-lettered callbacks (callback_deliveries in state DEAD): listing them, and replaying them.
 *
 * A replay moves a DEAD row back to PENDING with its attempt budget reset and its next attempt due now, and
 * NOTIFYs the delivery workers. It only ever touches DEAD rows, in one UPDATE guarded by `state = 'DEAD'`:
 * a row being delivered is PENDING (so it cannot be replayed under a worker's feet), a DELIVERED row is never
 * sent again, and of two concurrent replays of one row exactly one wins (the second sees PENDING). The
 * worker then sends it like any other delivery, under its lease, so one replay is one delivery at a time,
 * and the 2xx that ends it makes the row DELIVERED for good.
 */
@Injectable()
export class CallbackDeadLetters {
  constructor(private readonly dataSource: DataSource) {}

  async list(filter: DeadCallbackFilter, limit: number): Promise<{ deadLetters: DeadCallback[]; total: number }> {
    const table = this.table();
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

  /** Replays one dead callback; says why not when it is unknown or not DEAD (pending or delivered). */
  async replayOne(notificationId: string): Promise<ReplayOneOutcome> {
    return this.dataSource.transaction(async (manager) => {
      for (;;) {
        const [replayed] = await this.replayWhere(manager, 'notification_id = $1', [notificationId]);
        if (replayed) return { outcome: 'replayed', delivery: replayed };
        const [row] = await queryRows<{ state: DeliveryState }>(manager, `SELECT state FROM ${this.table()} WHERE notification_id = $1`, [notificationId]);
        if (!row) return { outcome: 'unknown' };
        if (row.state !== 'DEAD') return { outcome: 'not-dead', state: row.state };
        // It died between the UPDATE and this look (a worker's last attempt committed in between): replay it now.
      }
    });
  }

  /** Replays up to `limit` dead callbacks matching the filter (oldest first); rows another replay holds are skipped. */
  async replayMatching(filter: DeadCallbackFilter, limit: number): Promise<ReplayedCallback[]> {
    return this.dataSource.transaction((manager) =>
      this.replayWhere(
        manager,
        `notification_id IN (
           SELECT notification_id FROM ${this.table()}
            WHERE state = 'DEAD' AND ($1::text IS NULL OR partner_id = $1) AND ($2::text IS NULL OR correlation_id = $2)
            ORDER BY dead_at, correlation_id, seq
            LIMIT $3
            FOR UPDATE SKIP LOCKED)`,
        [filter.partnerId ?? null, filter.correlationId ?? null, limit],
      ),
    );
  }

  private async replayWhere(manager: EntityManager, condition: string, parameters: unknown[]): Promise<ReplayedCallback[]> {
    const rows = await queryRows<ReplayedRow>(
      manager,
      `UPDATE ${this.table()}
          SET state = 'PENDING', attempts = 0, next_attempt_at = clock_timestamp(), lease_until = NULL, dead_at = NULL,
              replays = replays + 1, replayed_at = clock_timestamp()
        WHERE state = 'DEAD' AND ${condition}
        RETURNING notification_id, correlation_id, seq, partner_id, replays`,
      parameters,
    );
    // Wake the delivery workers of every replica on commit instead of at their next poll.
    if (rows.length > 0) await manager.query(`SELECT pg_notify($1, '')`, [callbackChannel(this.schema)]);
    return rows
      .map((r) => ({ notificationId: r.notification_id, correlationId: r.correlation_id, seq: r.seq, partnerId: r.partner_id, replays: r.replays }))
      .sort((a, b) => a.correlationId.localeCompare(b.correlationId) || a.seq - b.seq);
  }

  private get schema(): string {
    return (this.dataSource.options as { schema: string }).schema;
  }

  private table(): string {
    return `${quoteIdent(this.schema)}.callback_deliveries`;
  }
}
