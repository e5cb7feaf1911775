import type { Analyte, Customer, LabOrderStatus, Priority, ResultStatus } from '@labsync/contracts';

export interface OrderedSample {
  sampleId: string;
  matrix: string;
  description?: string;
  collectedAt: string;
  tests: string[];
}

/** A lab order as the LIMS stores it (table lab_orders). */
export interface LabOrder {
  labOrderId: string;
  externalRef: string;
  customer: Customer;
  priority: Priority;
  notes: string | null;
  samples: OrderedSample[];
  status: LabOrderStatus;
  postCount: number;
  autoStep: number;
  nextAutoStepAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One reported result line (table lab_results), kept in report order. */
export interface LabResultRecord {
  labOrderId: string;
  sampleId: string;
  testCode: string;
  resultStatus: ResultStatus;
  analytes: Analyte[];
  reportedAt: Date;
  eventId: string;
}
