import { EntitySchema } from 'typeorm';
import type { LabWebhook } from './lab-webhook.schema';

/** A lab webhook as stored on arrival (table lab_inbox), before it is turned into a Kafka event. */
export interface LabInboxEvent {
  eventId: string;
  labOrderId: string;
  type: LabWebhook['type'];
  /** The validated webhook body. */
  body: LabWebhook;
  receivedAt: Date;
  /** Set once its Kafka event is in the outbox; null while its lab order is not mapped yet. */
  processedAt: Date | null;
  /** Arrival order (bigserial, read as a string); events of one lab order are published in this order. */
  arrival: string;
}

export const LabInboxEventEntity = new EntitySchema<LabInboxEvent>({
  name: 'LabInboxEvent',
  tableName: 'lab_inbox',
  columns: {
    eventId: { name: 'event_id', type: 'uuid', primary: true },
    labOrderId: { name: 'lab_order_id', type: 'text' },
    type: { type: 'text' },
    body: { type: 'jsonb' },
    receivedAt: { name: 'received_at', type: 'timestamptz' },
    processedAt: { name: 'processed_at', type: 'timestamptz', nullable: true },
    arrival: { type: 'bigint', generated: 'increment' },
  },
});
