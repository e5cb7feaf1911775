import { z } from 'zod';
import { TestRequestSchema } from '../model/test-request';
import { defineEvent } from './define-event';

export const RequestSubmitted = defineEvent({
  type: 'request.submitted',
  version: 1,
  description: 'A partner submitted a test request and labsync stored it (the partner got 202/201).',
  payload: z.object({
    correlationId: z.string().min(1),
    partnerId: z.string().min(1),
    receivedAt: z.iso.datetime({ offset: true }),
    request: TestRequestSchema,
  }),
});
export type RequestSubmittedPayload = z.infer<typeof RequestSubmitted.payload>;
