import { Injectable } from '@nestjs/common';
import { Topic } from '@labsync/contracts';
import { OutboxWriter } from '@labsync/messaging';
import { queryRows, quoteIdent } from '@labsync/persistence';
import { DataSource } from 'typeorm';
import type { PartnerCallbackBody } from './callback-body';
import type { FailedAttemptOutcome } from './retry-backoff';

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

/** What markFailed wrote: retried later, or dead-lettered (with the dead-letter event in the outbox). */
export type FailureRecorded = { state: 'PENDING'; attempts: number } | { state: 'DEAD'; attempts: number; deadAt: Date };

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

/**
 * The callback_deliveries table as a work queue. Several replicas claim from it at once (FOR UPDATE SKIP
 * LOCKED plus a lease that outlives a crashed worker only briefly), and only the head of line of each
 * correlation (its lowest undelivered seq) is ever claimable, so a portal never gets n+1 before it
 * acknowledged n. A DEAD delivery (dead-lettered after CALLBACK_MAX_ATTEMPTS) is not claimable and still
 * counts as undelivered: it holds the rest of its correlation until an operator replays it.
 */
@Injectable()
export class DeliveryQueue {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
  ) {}

  async claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const table = this.table();
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

  /**
   * The portal acknowledged: DELIVERED and delivery-succeeded, in one transaction. Returns the attempts it
   * took, or null when another worker recorded it first (its lease had run out and it sent it again).
   */
  async markDelivered(delivery: ClaimedDelivery, deliveredAt: Date): Promise<number | null> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await queryRows<{ attempts: number }>(
        manager,
        `UPDATE ${this.table()}
            SET state = 'DELIVERED', attempts = attempts + 1, delivered_at = $2, lease_until = NULL, last_error = NULL
          WHERE notification_id = $1 AND state = 'PENDING'
          RETURNING attempts`,
        [delivery.notificationId, deliveredAt],
      );
      const attempts = rows[0]?.attempts;
      if (attempts === undefined) return null;
      await this.outbox.add(
        manager,
        Topic.portalDeliverySucceeded,
        { correlationId: delivery.correlationId, seq: delivery.seq, notificationId: delivery.notificationId, deliveredAt: deliveredAt.toISOString(), attempts },
        { correlationId: delivery.correlationId, causationId: delivery.notificationId },
      );
      return attempts;
    });
  }

  /**
   * The attempt failed: count it and either schedule the next one or, with the last attempt spent, make the
   * delivery DEAD and put portal.callback-dead-lettered in the outbox, in one transaction. Returns null when
   * another worker took the row over (its lease ran out), which then records its own outcome.
   */
  async markFailed(delivery: ClaimedDelivery, error: string, outcome: FailedAttemptOutcome): Promise<FailureRecorded | null> {
    const lastError = error.slice(0, 2000);
    if (outcome.kind === 'retry') {
      const rows = await queryRows<{ attempts: number }>(
        this.dataSource,
        `UPDATE ${this.table()}
            SET attempts = attempts + 1, last_error = $3, lease_until = NULL,
                next_attempt_at = clock_timestamp() + make_interval(secs => $4::double precision / 1000)
          WHERE notification_id = $1 AND state = 'PENDING' AND lease_until = $2
          RETURNING attempts`,
        [delivery.notificationId, delivery.leaseUntil, lastError, outcome.retryInMs],
      );
      return rows[0] ? { state: 'PENDING', attempts: rows[0].attempts } : null;
    }
    return this.dataSource.transaction(async (manager) => {
      const rows = await queryRows<{ attempts: number; dead_at: Date }>(
        manager,
        `UPDATE ${this.table()}
            SET state = 'DEAD', attempts = attempts + 1, last_error = $3, lease_until = NULL, dead_at = date_trunc('milliseconds', clock_timestamp())
          WHERE notification_id = $1 AND state = 'PENDING' AND lease_until = $2
          RETURNING attempts, dead_at`,
        [delivery.notificationId, delivery.leaseUntil, lastError],
      );
      const row = rows[0];
      if (!row) return null;
      await this.outbox.add(
        manager,
        Topic.portalCallbackDeadLetters,
        {
          notificationId: delivery.notificationId,
          correlationId: delivery.correlationId,
          seq: delivery.seq,
          partnerId: delivery.partnerId,
          attempts: row.attempts,
          lastError,
          deadAt: row.dead_at.toISOString(),
        },
        { correlationId: delivery.correlationId, causationId: delivery.notificationId },
      );
      return { state: 'DEAD', attempts: row.attempts, deadAt: row.dead_at };
    });
  }

  async pendingCount(): Promise<number> {
    const rows = await queryRows<{ n: string }>(this.dataSource, `SELECT count(*) AS n FROM ${this.table()} WHERE state = 'PENDING'`);
    return Number(rows[0]?.n ?? 0);
  }

  async deadCount(): Promise<number> {
    const rows = await queryRows<{ n: string }>(this.dataSource, `SELECT count(*) AS n FROM ${this.table()} WHERE state = 'DEAD'`);
    return Number(rows[0]?.n ?? 0);
  }

  private table(): string {
    return `${quoteIdent(this.schema)}.callback_deliveries`;
  }

  get schema(): string {
    return (this.dataSource.options as { schema: string }).schema;
  }

  get databaseUrl(): string {
    return (this.dataSource.options as { url: string }).url;
  }
}
