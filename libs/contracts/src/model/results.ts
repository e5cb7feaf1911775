import { z } from 'zod';
import { ResultStatusSchema } from './statuses';

export const AnalyteSchema = z.object({
  name: z.string().min(1).max(100),
  value: z.union([z.number(), z.string().max(200)]),
  unit: z.string().max(32),
  flag: z.string().max(32).optional(),
});
export type Analyte = z.infer<typeof AnalyteSchema>;

/** One result line as the lab reported it: a test on a sample, at one stage (preliminary, final, corrected). */
export const LabResultSchema = z.object({
  sampleId: z.string().min(1).max(64),
  testCode: z.string().min(1).max(32),
  resultStatus: ResultStatusSchema,
  analytes: z.array(AnalyteSchema).max(200),
  reportedAt: z.iso.datetime({ offset: true }),
});
export type LabResult = z.infer<typeof LabResultSchema>;
