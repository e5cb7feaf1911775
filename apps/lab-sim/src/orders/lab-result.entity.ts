import type { Analyte, ResultStatus } from '@labsync/contracts';
import { EntitySchema } from 'typeorm';

/** One reported result line (table lab_results), kept in report order. */
export interface LabResultRecord {
  id: string;
  labOrderId: string;
  sampleId: string;
  testCode: string;
  resultStatus: ResultStatus;
  analytes: Analyte[];
  reportedAt: Date;
  eventId: string;
}

export const LabResultEntity = new EntitySchema<LabResultRecord>({
  name: 'LabResult',
  tableName: 'lab_results',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    labOrderId: { name: 'lab_order_id', type: 'text' },
    sampleId: { name: 'sample_id', type: 'text' },
    testCode: { name: 'test_code', type: 'text' },
    resultStatus: { name: 'result_status', type: 'text' },
    analytes: { type: 'jsonb' },
    reportedAt: { name: 'reported_at', type: 'timestamptz' },
    eventId: { name: 'event_id', type: 'uuid' },
  },
});
