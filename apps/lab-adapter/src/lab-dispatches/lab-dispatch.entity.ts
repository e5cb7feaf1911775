import type { TestRequest } from '@labsync/contracts';
import { EntitySchema } from 'typeorm';

export type DispatchState = 'PENDING' | 'ACCEPTED' | 'REJECTED';

/** A request to hand to the lab, and where that stands (table lab_dispatches). */
export interface LabDispatch {
  correlationId: string;
  partnerId: string;
  /** The canonical request, as it arrived on requests.submitted. */
  request: TestRequest;
  state: DispatchState;
  /** Calls made to the lab for it so far. */
  attempts: number;
  nextAttemptAt: Date;
  /** While set and in the future, one worker is calling the lab for it; nobody else may. */
  leaseUntil: Date | null;
  leaseToken: string | null;
  labOrderId: string | null;
  rejectionReasons: string[] | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const LabDispatchEntity = new EntitySchema<LabDispatch>({
  name: 'LabDispatch',
  tableName: 'lab_dispatches',
  columns: {
    correlationId: { name: 'correlation_id', type: 'text', primary: true },
    partnerId: { name: 'partner_id', type: 'text' },
    request: { type: 'jsonb' },
    state: { type: 'text' },
    attempts: { type: 'integer' },
    nextAttemptAt: { name: 'next_attempt_at', type: 'timestamptz' },
    leaseUntil: { name: 'lease_until', type: 'timestamptz', nullable: true },
    leaseToken: { name: 'lease_token', type: 'uuid', nullable: true },
    labOrderId: { name: 'lab_order_id', type: 'text', nullable: true },
    rejectionReasons: { name: 'rejection_reasons', type: 'jsonb', nullable: true },
    lastError: { name: 'last_error', type: 'text', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz' },
    updatedAt: { name: 'updated_at', type: 'timestamptz' },
  },
});
