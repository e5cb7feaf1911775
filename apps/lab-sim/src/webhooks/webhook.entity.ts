import { EntitySchema } from 'typeorm';
import type { LabWebhookBody } from './webhook-body';

/** A webhook waiting for delivery, or delivered (table webhook_outbox). */
export interface WebhookRecord {
  eventId: string;
  seq: string;
  labOrderId: string;
  eventType: LabWebhookBody['type'];
  body: LabWebhookBody;
  createdAt: Date;
  attempts: number;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
}

export const WebhookEntity = new EntitySchema<WebhookRecord>({
  name: 'Webhook',
  tableName: 'webhook_outbox',
  columns: {
    eventId: { name: 'event_id', type: 'uuid', primary: true },
    seq: { type: 'bigint', generated: 'increment', unique: true },
    labOrderId: { name: 'lab_order_id', type: 'text' },
    eventType: { name: 'event_type', type: 'text' },
    body: { type: 'jsonb' },
    createdAt: { name: 'created_at', type: 'timestamptz' },
    attempts: { type: 'integer' },
    nextAttemptAt: { name: 'next_attempt_at', type: 'timestamptz' },
    deliveredAt: { name: 'delivered_at', type: 'timestamptz', nullable: true },
    lastStatus: { name: 'last_status', type: 'integer', nullable: true },
    lastError: { name: 'last_error', type: 'text', nullable: true },
  },
});
