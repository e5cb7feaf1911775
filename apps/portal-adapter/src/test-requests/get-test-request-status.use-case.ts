import { Injectable } from '@nestjs/common';
import { parseCorrelationId } from '@labsync/contracts';
import { ProblemException } from '@labsync/service-runtime';
import { DataSource } from 'typeorm';
import { CorrelationViewEntity } from '../status-updates/correlation-view.entity';
import { statusFromStoredRequest, statusFromView, type TestRequestStatusResponse } from './test-request-status';
import { TestRequestEntity } from './test-request.entity';

/**
 * The status of one of the partner's own requests: the newest snapshot if one arrived, else the stored
 * request. Unknown ids, other partners' ids and ids that are not even UUIDs all get the same 404.
 */
@Injectable()
export class GetTestRequestStatus {
  constructor(private readonly dataSource: DataSource) {}

  async execute(partnerId: string, correlationId: string): Promise<TestRequestStatusResponse> {
    const id = parseCorrelationId(correlationId);
    if (id) {
      const view = await this.dataSource.getRepository(CorrelationViewEntity).findOneBy({ correlationId: id, partnerId });
      if (view) return statusFromView(view);
      const stored = await this.dataSource.getRepository(TestRequestEntity).findOneBy({ correlationId: id, partnerId });
      if (stored) return statusFromStoredRequest(stored);
    }
    throw new ProblemException(404, 'Not Found', 'No test request with this correlation id exists for your partner account.');
  }
}
