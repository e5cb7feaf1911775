import { EntitySchema } from 'typeorm';
import type { PartnerCallbackBody } from './callback-body';

/** DEAD: given up after CALLBACK_MAX_ATTEMPTS; holds its correlation's later notifications until replayed. */
export type DeliveryState = 'PENDING' | 'DELIVERED' | 'DEAD';

/** One notification owed to a partner's portal (table callback_deliveries). */
export interface CallbackDelivery {
  /** notificationIdFor(correlationId, seq): stable, so re-deriving it never enqueues twice. */
  notificationId: string;
  correlationId: string;
  seq: number;
  partnerId: string;
  body: PartnerCallbackBody;
  state: DeliveryState;
  /** Failed or successful attempts since the delivery was queued or last replayed. */
  attempts: number;
  nextAttemptAt: Date;
  /** While in the future, one worker owns this row's POST; after it, anyone may retry. */
  leaseUntil: Date | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  /** When it became DEAD (null unless DEAD). */
  deadAt: Date | null;
  /** How many times an operator replayed it. */
  replays: number;
  replayedAt: Date | null;
}

export const CallbackDeliveryEntity = new EntitySchema<CallbackDelivery>({
  name: 'CallbackDelivery',
  tableName: 'callback_deliveries',
  columns: {
    notificationId: { name: 'notification_id', type: 'uuid', primary: true },
    correlationId: { name: 'correlation_id', type: 'text' },
    seq: { type: 'integer' },
    partnerId: { name: 'partner_id', type: 'text' },
    body: { type: 'jsonb' },
    state: { type: 'text' },
    attempts: { type: 'integer' },
    nextAttemptAt: { name: 'next_attempt_at', type: 'timestamptz' },
    leaseUntil: { name: 'lease_until', type: 'timestamptz', nullable: true },
    lastError: { name: 'last_error', type: 'text', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz' },
    deliveredAt: { name: 'delivered_at', type: 'timestamptz', nullable: true },
    deadAt: { name: 'dead_at', type: 'timestamptz', nullable: true },
    replays: { type: 'integer' },
    replayedAt: { name: 'replayed_at', type: 'timestamptz', nullable: true },
  },
});
