import { Injectable } from '@nestjs/common';
import { parseCorrelationId } from '@labsync/contracts';
import { ProblemException } from '@labsync/service-runtime';
import { CorrelationViewsRepository } from '../status-updates/correlation-views.repository';
import { statusFromStoredRequest, statusFromView, type TestRequestStatusResponse } from './test-request-status';
import { TestRequestsRepository } from './test-requests.repository';

export interface GetTestRequestStatusCommand {
  /** The authenticated partner: only its own requests are visible. */
  partnerId: string;
  /** As the partner wrote it in the path (not necessarily a UUID). */
  correlationId: string;
}

/**
 * The status of one of the partner's own requests: the newest snapshot if one arrived, else the stored
 * request. Unknown ids, other partners' ids and ids that are not even UUIDs all get the same 404.
 */
@Injectable()
export class GetTestRequestStatus {
  constructor(
    private readonly views: CorrelationViewsRepository,
    private readonly testRequests: TestRequestsRepository,
  ) {}

  async execute(command: GetTestRequestStatusCommand): Promise<TestRequestStatusResponse> {
    const { partnerId } = command;
    const id = parseCorrelationId(command.correlationId);
    if (id) {
      const view = await this.views.findOwn(partnerId, id);
      if (view) return statusFromView(view);
      const stored = await this.testRequests.findOwn(partnerId, id);
      if (stored) return statusFromStoredRequest(stored);
    }
    throw new ProblemException(404, 'Not Found', 'No test request with this correlation id exists for your partner account.');
  }
}
