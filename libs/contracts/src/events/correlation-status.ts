import { z } from 'zod';
import { AnalyteSchema } from '../model/results';
import { CorrelationStatusSchema, ResultStatusSchema } from '../model/statuses';
import { defineEvent } from './define-event';

/** Who caused a timeline entry. */
export const TimelineSourceSchema = z.enum(['portal', 'labsync', 'lab']);

export const TimelineEntrySchema = z.object({
  /** Position in the correlation's notification sequence, shared with results (see portalNotificationsOf). */
  seq: z.number().int().positive(),
  at: z.iso.datetime({ offset: true }),
  status: CorrelationStatusSchema,
  source: TimelineSourceSchema,
  detail: z.string().max(2000).optional(),
  /** On a REJECTED_BY_LAB entry: the lab's reasons, one string each, as the lab worded them. */
  reasons: z.array(z.string()).optional(),
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

export const RecordedResultSchema = z.object({
  seq: z.number().int().positive(),
  sampleId: z.string(),
  testCode: z.string(),
  resultStatus: ResultStatusSchema,
  analytes: z.array(AnalyteSchema),
  reportedAt: z.iso.datetime({ offset: true }),
  labEventId: z.string(),
});
export type RecordedResult = z.infer<typeof RecordedResultSchema>;

/**
 * The status read model of one correlation, published by the correlation-tracker on a compacted topic
 * (latest snapshot per correlation id wins). `version` grows by one with each change, so a consumer keeps
 * a snapshot only if it is newer than the one it has.
 */
export const CorrelationStatusChanged = defineEvent({
  type: 'correlation.status-changed',
  version: 1,
  description: 'Snapshot of a correlation: status, timeline and results, after every change.',
  payload: z.object({
    correlationId: z.string().min(1),
    partnerId: z.string().min(1),
    portalRequestId: z.string().min(1),
    status: CorrelationStatusSchema,
    labOrderId: z.string().nullable(),
    version: z.number().int().positive(),
    updatedAt: z.iso.datetime({ offset: true }),
    timeline: z.array(TimelineEntrySchema),
    results: z.array(RecordedResultSchema),
  }),
});
export type CorrelationSnapshot = z.infer<typeof CorrelationStatusChanged.payload>;

export const PortalDeliverySucceeded = defineEvent({
  type: 'portal.delivery-succeeded',
  version: 1,
  description: 'A notification (status change or result) reached the partner\'s portal, which answered 2xx.',
  payload: z.object({
    correlationId: z.string().min(1),
    seq: z.number().int().positive(),
    notificationId: z.uuid(),
    deliveredAt: z.iso.datetime({ offset: true }),
    attempts: z.number().int().positive(),
  }),
});
export type PortalDeliverySucceededPayload = z.infer<typeof PortalDeliverySucceeded.payload>;
