import { quoteIdent } from '@labsync/persistence';
import type { Client } from 'pg';

export interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  headers: Record<string, string>;
  envelope: unknown;
  created_at: Date;
  attempts: number;
}

export interface ParkOrder {
  id: string;
  reason: string;
  bytes: number;
}

/** The relay's SQL on its schema's outbox and outbox_parked tables (one statement per step). */
export class OutboxStore {
  private readonly outbox: string;
  private readonly parked: string;

  constructor(schema: string) {
    this.outbox = `${quoteIdent(schema)}.outbox`;
    this.parked = `${quoteIdent(schema)}.outbox_parked`;
  }

  async head(client: Client, limit: number): Promise<OutboxRow[]> {
    const { rows } = await client.query<OutboxRow>(
      `SELECT id, topic, message_key, headers, envelope, created_at, attempts FROM ${this.outbox} ORDER BY id LIMIT $1`,
      [limit],
    );
    return rows;
  }

  /** Counted before the send, so an attempt that kills the process still counts after the restart. */
  async startAttempt(client: Client, ids: string[]): Promise<void> {
    await client.query(`UPDATE ${this.outbox} SET attempts = attempts + 1 WHERE id = ANY($1::bigint[])`, [ids]);
  }

  /** `refund`: the failure was the broker's or the network's, not the rows'; it does not count. */
  async recordFailure(client: Client, ids: string[], reason: string, refund: boolean): Promise<void> {
    await client.query(
      `UPDATE ${this.outbox} SET last_error = $2, attempts = attempts - $3 WHERE id = ANY($1::bigint[])`,
      [ids, reason, refund ? 1 : 0],
    );
  }

  /** Only ever called with the ids of records the broker acknowledged. */
  async deletePublished(client: Client, ids: string[]): Promise<void> {
    await client.query(`DELETE FROM ${this.outbox} WHERE id = ANY($1::bigint[])`, [ids]);
  }

  /** Moves rows to outbox_parked with their reason, atomically (one statement). */
  async park(client: Client, orders: ParkOrder[]): Promise<void> {
    await client.query(
      `WITH reasons AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[]) AS r(id, reason, size_bytes)),
            moved AS (DELETE FROM ${this.outbox} o USING reasons r WHERE o.id = r.id RETURNING o.*)
       INSERT INTO ${this.parked} (id, topic, message_key, headers, envelope, created_at, attempts, reason, size_bytes)
       SELECT m.id, m.topic, m.message_key, m.headers, m.envelope, m.created_at, m.attempts, r.reason, r.size_bytes
       FROM moved m JOIN reasons r ON r.id = m.id
       ON CONFLICT (id) DO NOTHING`,
      [orders.map((o) => o.id), orders.map((o) => o.reason), orders.map((o) => o.bytes)],
    );
  }
}
