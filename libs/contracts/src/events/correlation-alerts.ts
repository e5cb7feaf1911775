import { z } from 'zod';
import { CorrelationStatusSchema } from '../model/statuses';
import { defineEvent } from './define-event';

/**
 * Why the correlation-tracker marked a correlation STALLED:
 * - `lab-acceptance-overdue`: RECEIVED or DISPATCHED, and the lab neither accepted nor rejected in time;
 * - `results-overdue`: accepted (or in progress, or with partial results), and the lab made no progress
 *   (no status change, no new result) in time, without reaching COMPLETED.
 */
export const STALL_REASONS = ['lab-acceptance-overdue', 'results-overdue'] as const;
export const StallReasonSchema = z.enum(STALL_REASONS);
export type StallReason = z.infer<typeof StallReasonSchema>;

/**
 * An operator alert: the tracker marked a correlation STALLED (one alert per stall, whatever the number of
 * tracker replicas). The correlation leaves STALLED on its own when the lab's next event arrives; the
 * snapshot on labsync.correlation.status.v1 shows that.
 */
export const CorrelationStalled = defineEvent({
  type: 'correlation.stalled',
  version: 1,
  description: 'A correlation was marked STALLED: the lab has not accepted it, or has not made progress on it, within the configured time.',
  payload: z.object({
    correlationId: z.string().min(1),
    partnerId: z.string().min(1),
    portalRequestId: z.string().min(1),
    labOrderId: z.string().nullable(),
    reason: StallReasonSchema,
    /** The status the correlation was waiting in; STALLED overlays it and the lab's next event resumes from it. */
    stalledIn: CorrelationStatusSchema,
    /** When the wait began (the tracker recorded the status or the last progress), by the tracker's database clock. */
    since: z.iso.datetime({ offset: true }),
    stalledAt: z.iso.datetime({ offset: true }),
    /** The configured limit that was exceeded (STALL_ACCEPT_AFTER_MS or STALL_RESULTS_AFTER_MS). */
    overdueAfterMs: z.number().int().positive(),
  }),
});
export type CorrelationStalledPayload = z.infer<typeof CorrelationStalled.payload>;
