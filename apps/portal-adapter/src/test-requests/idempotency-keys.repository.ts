import { Injectable } from '@nestjs/common';
import { queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
import { DataSource, type EntityManager } from 'typeorm';

/** An idempotency key a partner used (table idempotency_keys): which body it came with, what it created. */
export interface IdempotencyRecord {
  partnerId: string;
  key: string;
  /** requestHash() of the body first sent with this key. */
  requestHash: string;
  correlationId: string;
  createdAt: Date;
}

/** What an earlier use of a key decides: the body it came with and the request it created. */
export type IdempotencyKeyUse = Pick<IdempotencyRecord, 'requestHash' | 'correlationId'>;

/** The Idempotency-Keys partners used (table idempotency_keys), one per (partner, key). */
@Injectable()
export class IdempotencyKeysRepository {
  private readonly table: string;

  constructor(dataSource: DataSource) {
    this.table = `${quoteIdent(schemaOf(dataSource))}.idempotency_keys`;
  }

  async find(manager: EntityManager, partnerId: string, key: string): Promise<IdempotencyKeyUse | undefined> {
    const [row] = await queryRows<{ request_hash: string; correlation_id: string }>(
      manager,
      `SELECT request_hash, correlation_id FROM ${this.table} WHERE partner_id = $1 AND key = $2`,
      [partnerId, key],
    );
    return row && { requestHash: row.request_hash, correlationId: row.correlation_id };
  }

  /**
   * Takes the key for a new request; false when it was taken already. A concurrent claim of the same key
   * blocks on the primary key until the first one's transaction ends.
   */
  async claim(manager: EntityManager, record: IdempotencyRecord): Promise<boolean> {
    const claimed = await queryRows(
      manager,
      `INSERT INTO ${this.table} (partner_id, key, request_hash, correlation_id, created_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (partner_id, key) DO NOTHING RETURNING key`,
      [record.partnerId, record.key, record.requestHash, record.correlationId, record.createdAt],
    );
    return claimed.length > 0;
  }
}
