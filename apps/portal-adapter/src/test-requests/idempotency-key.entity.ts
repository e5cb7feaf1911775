import { EntitySchema } from 'typeorm';

/** An idempotency key a partner used (table idempotency_keys): which body it came with, what it created. */
export interface IdempotencyRecord {
  partnerId: string;
  key: string;
  /** requestHash() of the body first sent with this key. */
  requestHash: string;
  correlationId: string;
  createdAt: Date;
}

export const IdempotencyKeyEntity = new EntitySchema<IdempotencyRecord>({
  name: 'IdempotencyKey',
  tableName: 'idempotency_keys',
  columns: {
    partnerId: { name: 'partner_id', type: 'text', primary: true },
    key: { type: 'text', primary: true },
    requestHash: { name: 'request_hash', type: 'text' },
    correlationId: { name: 'correlation_id', type: 'uuid' },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
});
