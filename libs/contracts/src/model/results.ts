import { z } from 'zod';
import { ResultStatusSchema } from './statuses';
import { UNSTORABLE_TEXT_MESSAGE, storableString } from './storable-text';

export const AnalyteSchema = z.object({
  name: storableString().min(1).max(100),
  value: z.union([z.number(), storableString().max(200)], { error: `must be a number, or text of at most 200 characters that ${UNSTORABLE_TEXT_MESSAGE}` }),
  unit: storableString().max(32),
  flag: storableString().max(32).optional(),
});
export type Analyte = z.infer<typeof AnalyteSchema>;

/** One result line as the lab reported it: a test on a sample, at one stage (preliminary, final, corrected). */
export const LabResultSchema = z.object({
  sampleId: storableString().min(1).max(64),
  testCode: storableString().min(1).max(32),
  resultStatus: ResultStatusSchema,
  analytes: z.array(AnalyteSchema).max(200),
  reportedAt: z.iso.datetime({ offset: true }),
});
export type LabResult = z.infer<typeof LabResultSchema>;
