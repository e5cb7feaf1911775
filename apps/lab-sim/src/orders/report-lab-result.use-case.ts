import { Inject, Injectable } from '@nestjs/common';
import { ProblemException } from '@labsync/service-runtime';
import { LabWorkService } from './lab-work.service';
import type { ReportResultRequest } from './order-schemas';

export interface ReportLabResultCommand {
  labOrderId: string;
  result: ReportResultRequest;
}

/** A technician reports a result for a test ordered on one of the order's samples; its webhook commits with it. */
@Injectable()
export class ReportLabResult {
  constructor(@Inject(LabWorkService) private readonly work: LabWorkService) {}

  async execute({ labOrderId, result }: ReportLabResultCommand): Promise<{ eventId: string }> {
    const eventId = await this.work.onLockedOrder(labOrderId, (manager, order) => {
      const sample = order.samples.find((s) => s.sampleId === result.sampleId);
      if (!sample) throw new ProblemException(400, 'Unknown sample', `Sample ${JSON.stringify(result.sampleId)} is not on order ${labOrderId}.`, { errors: [{ path: '/sampleId', message: 'not a sample of this order' }] });
      if (!sample.tests.includes(result.testCode)) {
        throw new ProblemException(400, 'Unknown test', `Test ${JSON.stringify(result.testCode)} was not ordered on sample ${result.sampleId} of order ${labOrderId}.`, {
          errors: [{ path: '/testCode', message: 'not a test ordered on this sample' }],
        });
      }
      return this.work.applyResult(manager, order, { ...result, reportedAt: result.reportedAt ?? new Date().toISOString() });
    });
    return { eventId };
  }
}
