import { z } from 'zod';
import { defineEvent } from './define-event';

/**
 * A record a consumer could not process: the original bytes, where they came from, and why. Replaying a
 * dead letter republishes `originalValue` to `originalTopic`; consumers are idempotent, so a replay
 * reaches each effect at most once.
 */
export const DeadLetterRecorded = defineEvent({
  type: 'deadletter.recorded',
  version: 1,
  description: 'A message a consumer gave up on, with the failure reason and the original record.',
  payload: z.object({
    originalTopic: z.string(),
    originalPartition: z.number().int().nonnegative(),
    originalOffset: z.string(),
    originalKey: z.string().nullable(),
    originalHeaders: z.record(z.string(), z.string()),
    originalValue: z.string(),
    consumerGroup: z.string(),
    reason: z.string(),
    attempts: z.number().int().nonnegative(),
    failedAt: z.iso.datetime({ offset: true }),
  }),
});
export type DeadLetterPayload = z.infer<typeof DeadLetterRecorded.payload>;
