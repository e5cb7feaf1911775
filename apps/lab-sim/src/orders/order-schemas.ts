import { AnalyteSchema, CustomerSchema, PrioritySchema, ResultStatusSchema, storableString } from '@labsync/contracts';
import { z } from 'zod';

/**
 * The body of `POST /api/orders`, the lab's own API. Test codes are only checked for shape here: whether the
 * lab knows them is the catalog's call, answered with 422 and reasons rather than 400.
 */
export const PlaceOrderSchema = z.object({
  externalRef: storableString().trim().min(1).max(128),
  customer: CustomerSchema,
  priority: PrioritySchema,
  samples: z
    .array(
      z.object({
        sampleId: storableString().trim().min(1).max(64),
        matrix: storableString().trim().min(1).max(64),
        description: storableString().max(500).optional(),
        collectedAt: z.iso.datetime({ offset: true }),
        tests: z.array(storableString().trim().min(1).max(64)).min(1, 'at least one test code is required').max(50),
      }),
    )
    .min(1, 'at least one sample is required')
    .max(100)
    .superRefine((samples, ctx) => {
      const seen = new Set<string>();
      samples.forEach((sample, index) => {
        if (seen.has(sample.sampleId)) ctx.addIssue({ code: 'custom', path: [index, 'sampleId'], message: `duplicate sampleId "${sample.sampleId}"` });
        seen.add(sample.sampleId);
      });
    }),
  notes: storableString().max(2000).optional(),
});
export type PlaceOrderRequest = z.infer<typeof PlaceOrderSchema>;

export const OrderListQuerySchema = z.object({
  externalRef: storableString().min(1).max(128).optional(),
  /** Only orders changed after this instant (a watermark for callers that poll instead of taking webhooks). */
  updatedSince: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});
export type OrderListQuery = z.infer<typeof OrderListQuerySchema>;

/** Statuses a test or the demo may move an order to (RECEIVED is only ever the status at creation). */
export const ChangeStatusSchema = z.object({ status: z.enum(['IN_PROGRESS', 'COMPLETED', 'CANCELLED']) });
export type ChangeStatusRequest = z.infer<typeof ChangeStatusSchema>;

export const ReportResultSchema = z.object({
  sampleId: storableString().min(1).max(64),
  testCode: storableString().min(1).max(64),
  resultStatus: ResultStatusSchema,
  analytes: z.array(AnalyteSchema).max(200),
  /** When the lab released the result; defaults to now. */
  reportedAt: z.iso.datetime({ offset: true }).optional(),
});
export type ReportResultRequest = z.infer<typeof ReportResultSchema>;

