import { HEADERS } from '@labsync/contracts';
import { quoteIdent } from '@labsync/persistence';
import type { DataSource } from 'typeorm';

/** A row the outbox relay gave up on, as an operator sees it: ids and sizes, never the payload. */
export interface ParkedOutboxEvent {
  id: string;
  topic: string;
  eventId: string | null;
  eventType: string | null;
  correlationId: string | null;
  sizeBytes: number;
  attempts: number;
  reason: string;
  createdAt: string;
  parkedAt: string;
}

interface ParkedRow {
  id: string;
  topic: string;
  event_id: string | null;
  event_type: string | null;
  correlation_id: string | null;
  size_bytes: number;
  attempts: number;
  reason: string;
  created_at: Date;
  parked_at: Date;
  total: string;
}

/** Reads and re-queues an app's outbox_parked rows (OutboxParking1733100000000). */
export class ParkedOutbox {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  async list(limit: number): Promise<{ parked: ParkedOutboxEvent[]; total: number }> {
    const rows: ParkedRow[] = await this.dataSource.query(
      `SELECT id, topic, headers->>'${HEADERS.eventId}' AS event_id, headers->>'${HEADERS.eventType}' AS event_type,
              headers->>'${HEADERS.correlationId}' AS correlation_id, size_bytes, attempts, reason, created_at, parked_at,
              count(*) OVER () AS total
       FROM ${quoteIdent(this.schema)}.outbox_parked ORDER BY id LIMIT $1`,
      [limit],
    );
    const parked = rows.map((r) => ({
      id: String(r.id),
      topic: r.topic,
      eventId: r.event_id,
      eventType: r.event_type,
      correlationId: r.correlation_id,
      sizeBytes: r.size_bytes,
      attempts: r.attempts,
      reason: r.reason,
      createdAt: r.created_at.toISOString(),
      parkedAt: r.parked_at.toISOString(),
    }));
    // The total comes from the same statement (one snapshot) as the rows: an empty page means none were
    // parked when it ran. Only `limit` 0 needs a count of its own.
    const total = rows[0]
      ? Number(rows[0].total)
      : limit > 0
        ? 0
        : Number((await this.dataSource.query(`SELECT count(*) AS n FROM ${quoteIdent(this.schema)}.outbox_parked`))[0].n);
    return { parked, total };
  }

  /**
   * Puts a parked row back at the tail of the outbox with its attempts reset (after the cause was fixed,
   * e.g. the topic's max.message.bytes raised). False when there is no such parked row.
   */
  async requeue(id: string): Promise<boolean> {
    const s = quoteIdent(this.schema);
    const rows: unknown[] = await this.dataSource.query(
      `WITH moved AS (DELETE FROM ${s}.outbox_parked WHERE id = $1 RETURNING topic, message_key, headers, envelope, created_at)
       INSERT INTO ${s}.outbox (topic, message_key, headers, envelope, created_at)
       SELECT topic, message_key, headers, envelope, created_at FROM moved RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }
}
