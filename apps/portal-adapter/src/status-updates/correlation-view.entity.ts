import type { CorrelationStatus, RecordedResult, TimelineEntry } from '@labsync/contracts';
import { EntitySchema } from 'typeorm';

/** The newest correlation snapshot this app has seen (table correlation_views), what GET answers from. */
export interface CorrelationView {
  correlationId: string;
  partnerId: string;
  portalRequestId: string;
  status: CorrelationStatus;
  labOrderId: string | null;
  version: number;
  timeline: TimelineEntry[];
  results: RecordedResult[];
  /** When the correlation-tracker produced this snapshot. */
  updatedAt: Date;
  appliedAt: Date;
  /** The replica (REPLICA_ID) whose status consumer applied this snapshot. */
  appliedBy: string | null;
}

export const CorrelationViewEntity = new EntitySchema<CorrelationView>({
  name: 'CorrelationView',
  tableName: 'correlation_views',
  columns: {
    correlationId: { name: 'correlation_id', type: 'text', primary: true },
    partnerId: { name: 'partner_id', type: 'text' },
    portalRequestId: { name: 'portal_request_id', type: 'text' },
    status: { type: 'text' },
    labOrderId: { name: 'lab_order_id', type: 'text', nullable: true },
    // bigint comes back from pg as a string; versions stay far below 2^53.
    version: { type: 'bigint', transformer: { from: (value: string | null) => (value === null ? null : Number(value)), to: (value: number) => value } },
    timeline: { type: 'jsonb' },
    results: { type: 'jsonb' },
    updatedAt: { name: 'updated_at', type: 'timestamptz' },
    appliedAt: { name: 'applied_at', type: 'timestamptz' },
    appliedBy: { name: 'applied_by', type: 'text', nullable: true },
  },
});
