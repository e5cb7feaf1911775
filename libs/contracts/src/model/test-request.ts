import { z } from 'zod';
import { storableString } from './storable-text';

/** Test codes are short upper-case identifiers from the lab's catalog (e.g. PH, LEAD, E-COLI). */
export const TestCodeSchema = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9_-]{0,31}$/, 'must be an upper-case test code such as "PH" or "LEAD"');

export const SampleSchema = z.object({
  sampleId: storableString().trim().min(1).max(64),
  matrix: storableString().trim().min(1).max(64),
  description: storableString().max(500).optional(),
  collectedAt: z.iso.datetime({ offset: true }),
  tests: z.array(TestCodeSchema).min(1, 'at least one test code is required').max(50),
});
export type Sample = z.infer<typeof SampleSchema>;

export const CustomerSchema = z.object({
  id: storableString().trim().min(1).max(64),
  name: storableString().trim().min(1).max(200),
  email: z.email(),
});
export type Customer = z.infer<typeof CustomerSchema>;

export const PRIORITIES = ['standard', 'rush'] as const;
export const PrioritySchema = z.enum(PRIORITIES);
export type Priority = z.infer<typeof PrioritySchema>;

/**
 * The canonical test request: what labsync carries between apps once a partner's request was accepted.
 * It is deliberately the same shape as the partner API body today, but it is a separate schema so the
 * HTTP DTO can evolve (or gain partner-specific variants) without changing the Kafka contract.
 */
export const TestRequestSchema = z.object({
  portalRequestId: storableString().trim().min(1).max(64),
  customer: CustomerSchema,
  priority: PrioritySchema,
  samples: z
    .array(SampleSchema)
    .min(1, 'at least one sample is required')
    .max(100)
    .superRefine((samples, ctx) => {
      const seen = new Set<string>();
      samples.forEach((sample, index) => {
        if (seen.has(sample.sampleId)) {
          ctx.addIssue({ code: 'custom', path: [index, 'sampleId'], message: `duplicate sampleId "${sample.sampleId}"` });
        }
        seen.add(sample.sampleId);
      });
    }),
  notes: storableString().max(2000).optional(),
});
export type TestRequest = z.infer<typeof TestRequestSchema>;
