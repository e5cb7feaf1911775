import { z } from 'zod';

/**
 * The life of a correlation (one test request), as the partner sees it. The order of this list is the
 * order of progress: the correlation-tracker never moves a correlation to a status that ranks lower than
 * the one it is in, so late or duplicated events cannot move it backwards.
 */
export const CORRELATION_STATUSES = [
  'RECEIVED',
  'DISPATCHED',
  'ACCEPTED_BY_LAB',
  'REJECTED_BY_LAB',
  'IN_PROGRESS',
  'RESULTS_PARTIAL',
  'COMPLETED',
  'DELIVERED',
  'CANCELLED',
  'STALLED',
  'FAILED',
] as const;
export const CorrelationStatusSchema = z.enum(CORRELATION_STATUSES);
export type CorrelationStatus = z.infer<typeof CorrelationStatusSchema>;

/** Statuses a lab order goes through inside the LIMS. */
export const LAB_ORDER_STATUSES = ['RECEIVED', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED'] as const;
export const LabOrderStatusSchema = z.enum(LAB_ORDER_STATUSES);
export type LabOrderStatus = z.infer<typeof LabOrderStatusSchema>;

/** A result is first preliminary, then final, and may later be corrected (possibly more than once). */
export const RESULT_STATUSES = ['preliminary', 'final', 'corrected'] as const;
export const ResultStatusSchema = z.enum(RESULT_STATUSES);
export type ResultStatus = z.infer<typeof ResultStatusSchema>;
