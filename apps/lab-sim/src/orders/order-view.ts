import type { Analyte, LabOrderStatus, ResultStatus } from '@labsync/contracts';
import type { LabOrder, LabResultRecord, OrderedSample } from './lab-order';

export interface ResultView {
  sampleId: string;
  testCode: string;
  resultStatus: ResultStatus;
  analytes: Analyte[];
  reportedAt: string;
}

export interface OrderView {
  labOrderId: string;
  externalRef: string;
  status: LabOrderStatus;
  priority: string;
  customer: LabOrder['customer'];
  samples: OrderedSample[];
  notes?: string;
  postCount: number;
  createdAt: string;
  updatedAt: string;
  /** Every result reported, in report order (a test's preliminary result comes before its final one). */
  results: ResultView[];
}

export function orderView(order: LabOrder, results: readonly LabResultRecord[]): OrderView {
  return {
    labOrderId: order.labOrderId,
    externalRef: order.externalRef,
    status: order.status,
    priority: order.priority,
    customer: order.customer,
    samples: order.samples.map(({ sampleId, matrix, description, collectedAt, tests }) => ({ sampleId, matrix, ...(description !== undefined ? { description } : {}), collectedAt, tests })),
    ...(order.notes !== null ? { notes: order.notes } : {}),
    postCount: order.postCount,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
    results: results.map((r) => ({
      sampleId: r.sampleId,
      testCode: r.testCode,
      resultStatus: r.resultStatus,
      analytes: r.analytes,
      reportedAt: r.reportedAt.toISOString(),
    })),
  };
}
