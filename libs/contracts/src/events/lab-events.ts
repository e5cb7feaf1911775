import { z } from 'zod';
import { LabResultSchema } from '../model/results';
import { LabOrderStatusSchema } from '../model/statuses';
import { defineEvent } from './define-event';

/** The lab-adapter took the request and queued it for the lab API. */
export const LabOrderDispatchedSchema = z.object({
  kind: z.literal('dispatched'),
  correlationId: z.string().min(1),
  dispatchedAt: z.iso.datetime({ offset: true }),
});
export type LabOrderDispatchedPayload = z.infer<typeof LabOrderDispatchedSchema>;

/** The lab created (or already had) an order for this correlation id. */
export const LabOrderAcceptedSchema = z.object({
  kind: z.literal('accepted'),
  correlationId: z.string().min(1),
  labOrderId: z.string().min(1),
  acceptedAt: z.iso.datetime({ offset: true }),
});
export type LabOrderAcceptedPayload = z.infer<typeof LabOrderAcceptedSchema>;

/** The lab refused the order; reasons are the lab's own words. */
export const LabOrderRejectedSchema = z.object({
  kind: z.literal('rejected'),
  correlationId: z.string().min(1),
  reasons: z.array(z.string()).min(1),
  rejectedAt: z.iso.datetime({ offset: true }),
});
export type LabOrderRejectedPayload = z.infer<typeof LabOrderRejectedSchema>;

/** The lab reported a new status for an order (from its webhook or from polling). */
export const LabStatusChangedSchema = z.object({
  kind: z.literal('status-changed'),
  correlationId: z.string().min(1),
  labOrderId: z.string().min(1),
  labEventId: z.string().min(1),
  status: LabOrderStatusSchema,
  occurredAt: z.iso.datetime({ offset: true }),
});
export type LabStatusChangedPayload = z.infer<typeof LabStatusChangedSchema>;

/** The lab reported a result (preliminary, final or corrected) for one test on one sample. */
export const LabResultReportedSchema = z.object({
  kind: z.literal('result-reported'),
  correlationId: z.string().min(1),
  labOrderId: z.string().min(1),
  labEventId: z.string().min(1),
  result: LabResultSchema,
});
export type LabResultReportedPayload = z.infer<typeof LabResultReportedSchema>;

/**
 * Everything the lab side says about an order (dispatched, accepted or rejected, then the lab's status
 * changes and results) on ONE topic keyed by correlation id. They share a partition, so consumers see them
 * in the order the lab-adapter committed them: on separate topics an ACCEPTED could overtake its DISPATCHED,
 * or a COMPLETED the last result the lab sent before it.
 */
export const LabOrderEvent = defineEvent({
  type: 'lab.order-event',
  version: 1,
  description:
    "One step of a lab order, in order: dispatched to the lab, accepted or rejected by it, then each status change and result the lab reported (webhook or polling); `kind` tells which.",
  payload: z.discriminatedUnion('kind', [LabOrderDispatchedSchema, LabOrderAcceptedSchema, LabOrderRejectedSchema, LabStatusChangedSchema, LabResultReportedSchema]),
});
export type LabOrderEventPayload = z.infer<typeof LabOrderEvent.payload>;
