import type { TestRequest } from '@labsync/contracts';
import { EntitySchema } from 'typeorm';

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

export const TestRequestEntity = new EntitySchema<StoredTestRequest>({
  name: 'TestRequest',
  tableName: 'test_requests',
  columns: {
    correlationId: { name: 'correlation_id', type: 'uuid', primary: true },
    partnerId: { name: 'partner_id', type: 'text' },
    portalRequestId: { name: 'portal_request_id', type: 'text' },
    request: { type: 'jsonb' },
    receivedAt: { name: 'received_at', type: 'timestamptz' },
    idempotencyKey: { name: 'idempotency_key', type: 'text', nullable: true },
  },
});
