import { Injectable } from '@nestjs/common';
import type { TestRequest } from '@labsync/contracts';
import { queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
import { DataSource, type EntityManager } from 'typeorm';

/** A test request as stored (table test_requests), before anything else happens to it. */
export interface StoredTestRequest {
  correlationId: string;
  partnerId: string;
  portalRequestId: string;
  /** The canonical request (the same shape request.submitted carries). */
  request: TestRequest;
  receivedAt: Date;
  idempotencyKey: string | null;
}

interface TestRequestRow {
  correlation_id: string;
  partner_id: string;
  portal_request_id: string;
  request: TestRequest;
  received_at: Date;
  idempotency_key: string | null;
}

/** Test requests as the partners sent them (table test_requests). */
@Injectable()
export class TestRequestsRepository {
  private readonly table: string;

  constructor(private readonly dataSource: DataSource) {
    this.table = `${quoteIdent(schemaOf(dataSource))}.test_requests`;
  }

  /** Inside the submission's transaction, with its outbox event. */
  async insert(manager: EntityManager, stored: StoredTestRequest): Promise<void> {
    await queryRows(
      manager,
      `INSERT INTO ${this.table} (correlation_id, partner_id, portal_request_id, request, received_at, idempotency_key)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6)`,
      [stored.correlationId, stored.partnerId, stored.portalRequestId, JSON.stringify(stored.request), stored.receivedAt, stored.idempotencyKey],
    );
  }

  /** The partner's own request with this id; another partner's is as unknown as a missing one. */
  async findOwn(partnerId: string, correlationId: string): Promise<StoredTestRequest | undefined> {
    const [row] = await queryRows<TestRequestRow>(
      this.dataSource,
      `SELECT correlation_id, partner_id, portal_request_id, request, received_at, idempotency_key
         FROM ${this.table} WHERE correlation_id = $1 AND partner_id = $2`,
      [correlationId, partnerId],
    );
    return (
      row && {
        correlationId: row.correlation_id,
        partnerId: row.partner_id,
        portalRequestId: row.portal_request_id,
        request: row.request,
        receivedAt: row.received_at,
        idempotencyKey: row.idempotency_key,
      }
    );
  }
}
