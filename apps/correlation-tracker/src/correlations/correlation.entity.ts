import type { CorrelationStatus, StallReason } from '@labsync/contracts';
import { EntitySchema } from 'typeorm';
import type { RecordedResult, TimelineEntry } from '../lifecycle/correlation-state';

/** A row of table `correlations`: the persisted state of one correlation. */
export interface CorrelationRecord {
  correlationId: string;
  partnerId: string | null;
  portalRequestId: string | null;
  status: CorrelationStatus | null;
  labOrderId: string | null;
  version: number;
  nextSeq: number;
  timeline: TimelineEntry[];
  results: RecordedResult[];
  deliveredSeqs: number[];
  /** The stall watch: what the correlation waits for from the lab (by the reason it would stall for), since when. */
  watchReason: StallReason | null;
  watchSince: Date | null;
  /** The STALLED overlay, set exactly while status is STALLED. */
  stallReason: StallReason | null;
  stallSince: Date | null;
  stalledAt: Date | null;
  stalledIn: CorrelationStatus | null;
  createdAt: Date;
  updatedAt: Date;
}

export const CorrelationEntity = new EntitySchema<CorrelationRecord>({
  name: 'Correlation',
  tableName: 'correlations',
  columns: {
    correlationId: { name: 'correlation_id', type: 'text', primary: true },
    partnerId: { name: 'partner_id', type: 'text', nullable: true },
    portalRequestId: { name: 'portal_request_id', type: 'text', nullable: true },
    status: { type: 'text', nullable: true },
    labOrderId: { name: 'lab_order_id', type: 'text', nullable: true },
    version: { type: 'integer' },
    nextSeq: { name: 'next_seq', type: 'integer' },
    timeline: { type: 'jsonb' },
    results: { type: 'jsonb' },
    deliveredSeqs: { name: 'delivered_seqs', type: 'integer', array: true },
    watchReason: { name: 'watch_reason', type: 'text', nullable: true },
    watchSince: { name: 'watch_since', type: 'timestamptz', nullable: true },
    stallReason: { name: 'stall_reason', type: 'text', nullable: true },
    stallSince: { name: 'stall_since', type: 'timestamptz', nullable: true },
    stalledAt: { name: 'stalled_at', type: 'timestamptz', nullable: true },
    stalledIn: { name: 'stalled_in', type: 'text', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz' },
    updatedAt: { name: 'updated_at', type: 'timestamptz' },
  },
});
