import { Injectable } from '@nestjs/common';
import { Topic, type RequestSubmittedPayload, type TestRequest } from '@labsync/contracts';
import { OutboxWriter } from '@labsync/messaging';
import { queryRows, schemaOf } from '@labsync/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { deterministicEventId } from '../database/deterministic-id';
import { labAdapterTables, type LabAdapterTables } from '../database/lab-adapter-tables';

/** A dispatch a worker holds the lease of: it alone may call the lab for it until its lease ends. */
export interface ClaimedDispatch {
  correlationId: string;
  partnerId: string;
  /** The canonical request, as it arrived on requests.submitted (re-validated before the lab is called). */
  request: TestRequest;
  /** Calls made to the lab for it so far. */
  attempts: number;
  leaseToken: string;
}

interface ClaimedRow {
  correlation_id: string;
  partner_id: string;
  request: TestRequest;
  attempts: number;
  lease_token: string;
}

/**
 * The lab_dispatches table (a request to hand to the lab: PENDING, ACCEPTED or REJECTED, its attempts and
 * lease) with the lab_orders mapping its acceptance creates, and the events its changes cause. Every state change and the event it
 * publishes commit in one transaction (outbox); a state change is applied only while the dispatch is still
 * PENDING, so a late or repeated lab answer can never publish twice.
 */
@Injectable()
export class LabDispatchRepository {
  private readonly tables: LabAdapterTables;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
  ) {
    this.tables = labAdapterTables(schemaOf(dataSource));
  }

  /** Stores a new dispatch in the consumer's transaction; false when that correlation id was already taken. */
  async enqueue(manager: EntityManager, submitted: RequestSubmittedPayload, causationId: string): Promise<boolean> {
    const inserted = await queryRows<unknown>(manager,
      `INSERT INTO ${this.tables.dispatches} (correlation_id, partner_id, request)
       VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (correlation_id) DO NOTHING
       RETURNING correlation_id`,
      [submitted.correlationId, submitted.partnerId, JSON.stringify(submitted.request)],
    );
    if (inserted.length === 0) return false;
    await this.outbox.add(
      manager,
      Topic.labOrderEvents,
      { kind: 'dispatched', correlationId: submitted.correlationId, dispatchedAt: new Date().toISOString() },
      { correlationId: submitted.correlationId, causationId, eventId: deterministicEventId('lab.order-dispatched', submitted.correlationId) },
    );
    return true;
  }

  /** Leases up to `limit` due dispatches to this worker; replicas skip each other's rows (SKIP LOCKED). */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDispatch[]> {
    const rows = await queryRows<ClaimedRow>(this.dataSource,
      `WITH due AS (
         SELECT correlation_id FROM ${this.tables.dispatches}
         WHERE state = 'PENDING' AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until <= now())
         ORDER BY next_attempt_at, created_at
         LIMIT $1
         FOR UPDATE SKIP LOCKED)
       UPDATE ${this.tables.dispatches} d
       SET lease_until = now() + $2 * interval '1 millisecond', lease_token = gen_random_uuid(), updated_at = now()
       FROM due WHERE d.correlation_id = due.correlation_id
       RETURNING d.correlation_id, d.partner_id, d.request, d.attempts, d.lease_token`,
      [limit, leaseMs],
    );
    return rows.map((row) => ({
      correlationId: row.correlation_id,
      partnerId: row.partner_id,
      request: row.request,
      attempts: row.attempts,
      leaseToken: row.lease_token,
    }));
  }

  /**
   * The lab accepted: state, mapping and order-accepted commit together. Lab events that arrived for this
   * lab order before the mapping existed are published by the inbox sweeper right after this commit.
   */
  async markAccepted(dispatch: ClaimedDispatch, labOrderId: string): Promise<'accepted' | 'already-settled' | 'lab-order-taken'> {
    return this.dataSource.transaction(async (manager) => {
      const updated = await queryRows<unknown>(manager,
        `UPDATE ${this.tables.dispatches}
         SET state = 'ACCEPTED', lab_order_id = $2, attempts = attempts + 1, lease_until = NULL, lease_token = NULL,
             last_error = NULL, updated_at = now()
         WHERE correlation_id = $1 AND state = 'PENDING'
         RETURNING correlation_id`,
        [dispatch.correlationId, labOrderId],
      );
      if (updated.length === 0) return 'already-settled';
      const acceptedAt = new Date();
      const mapped = await queryRows<unknown>(manager,
        `INSERT INTO ${this.tables.orders} (lab_order_id, correlation_id, accepted_at) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING lab_order_id`,
        [labOrderId, dispatch.correlationId, acceptedAt],
      );
      await this.outbox.add(
        manager,
        Topic.labOrderEvents,
        { kind: 'accepted', correlationId: dispatch.correlationId, labOrderId, acceptedAt: acceptedAt.toISOString() },
        { correlationId: dispatch.correlationId, eventId: deterministicEventId('lab.order-accepted', dispatch.correlationId) },
      );
      return mapped.length === 0 ? 'lab-order-taken' : 'accepted';
    });
  }

  async markRejected(dispatch: ClaimedDispatch, reasons: string[]): Promise<'rejected' | 'already-settled'> {
    return this.dataSource.transaction(async (manager) => {
      const updated = await queryRows<unknown>(manager,
        `UPDATE ${this.tables.dispatches}
         SET state = 'REJECTED', rejection_reasons = $2::jsonb, last_error = $3, attempts = attempts + 1,
             lease_until = NULL, lease_token = NULL, updated_at = now()
         WHERE correlation_id = $1 AND state = 'PENDING'
         RETURNING correlation_id`,
        [dispatch.correlationId, JSON.stringify(reasons), reasons.join('; ')],
      );
      if (updated.length === 0) return 'already-settled';
      await this.outbox.add(
        manager,
        Topic.labOrderEvents,
        { kind: 'rejected', correlationId: dispatch.correlationId, reasons, rejectedAt: new Date().toISOString() },
        { correlationId: dispatch.correlationId, eventId: deterministicEventId('lab.order-rejected', dispatch.correlationId) },
      );
      return 'rejected';
    });
  }

  /** The call failed: try again after `delayMs`. Only the lease holder may reschedule. */
  async scheduleRetry(dispatch: ClaimedDispatch, delayMs: number, error: string): Promise<boolean> {
    const updated = await queryRows<unknown>(this.dataSource,
      `UPDATE ${this.tables.dispatches}
       SET attempts = attempts + 1, next_attempt_at = now() + $3 * interval '1 millisecond', last_error = $4,
           lease_until = NULL, lease_token = NULL, updated_at = now()
       WHERE correlation_id = $1 AND state = 'PENDING' AND lease_token = $2
       RETURNING correlation_id`,
      [dispatch.correlationId, dispatch.leaseToken, delayMs, error],
    );
    return updated.length > 0;
  }

  /** Gives a lease back without counting an attempt (shutdown before the call was made). */
  async release(dispatch: ClaimedDispatch): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.tables.dispatches} SET lease_until = NULL, lease_token = NULL, updated_at = now()
       WHERE correlation_id = $1 AND lease_token = $2`,
      [dispatch.correlationId, dispatch.leaseToken],
    );
  }

  /** Requests not yet accepted or rejected by the lab. */
  async countPending(): Promise<number> {
    const [row] = await queryRows<{ n: string }>(this.dataSource, `SELECT count(*) AS n FROM ${this.tables.dispatches} WHERE state = 'PENDING'`);
    return Number(row?.n ?? 0);
  }
}
