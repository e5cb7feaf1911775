import { EntitySchema } from 'typeorm';

/** A callback event portal-sim accepted (table received_events). */
export interface ReceivedEvent {
  eventId: string;
  arrivalSeq: string;
  partnerId: string;
  type: string;
  correlationId: string;
  portalRequestId: string | null;
  body: Record<string, unknown>;
  deliveries: number;
  firstReceivedAt: Date;
  lastReceivedAt: Date;
}

export const ReceivedEventEntity = new EntitySchema<ReceivedEvent>({
  name: 'ReceivedEvent',
  tableName: 'received_events',
  columns: {
    eventId: { name: 'event_id', type: 'uuid', primary: true },
    arrivalSeq: { name: 'arrival_seq', type: 'bigint', generated: 'increment', unique: true },
    partnerId: { name: 'partner_id', type: 'text' },
    type: { type: 'text' },
    correlationId: { name: 'correlation_id', type: 'text' },
    portalRequestId: { name: 'portal_request_id', type: 'text', nullable: true },
    body: { type: 'jsonb' },
    deliveries: { type: 'integer' },
    firstReceivedAt: { name: 'first_received_at', type: 'timestamptz' },
    lastReceivedAt: { name: 'last_received_at', type: 'timestamptz' },
  },
});
