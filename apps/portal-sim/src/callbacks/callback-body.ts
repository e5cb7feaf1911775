import { AnalyteSchema, CorrelationStatusSchema, ResultStatusSchema, storableString } from '@labsync/contracts';
import { z } from 'zod';

const common = {
  eventId: z.guid(),
  correlationId: storableString().min(1).max(128),
  portalRequestId: storableString().min(1).max(128),
  occurredAt: z.iso.datetime({ offset: true }),
};

/**
 * A labsync callback as the contract describes it. Checked strictly enough to catch a sender that drifted
 * from the contract; extra fields are tolerated (they are kept in the stored body as received).
 */
export const CallbackBodySchema = z.discriminatedUnion('type', [
  z.object({ ...common, type: z.literal('status.changed'), data: z.object({ status: CorrelationStatusSchema, detail: storableString().optional() }) }),
  z.object({
    ...common,
    type: z.literal('result.reported'),
    data: z.object({ sampleId: storableString().min(1), testCode: storableString().min(1), resultStatus: ResultStatusSchema, analytes: z.array(AnalyteSchema) }),
  }),
]);
export type CallbackBody = z.infer<typeof CallbackBodySchema>;
