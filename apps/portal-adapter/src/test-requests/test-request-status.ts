import type { CorrelationStatus, RecordedResult, TimelineEntry } from '@labsync/contracts';
import type { CorrelationView } from '../status-updates/correlation-views.repository';
import type { StoredTestRequest } from './test-requests.repository';

/** The body of `GET /v1/test-requests/:correlationId` (the HTTP DTO of the status resource). */
export interface TestRequestStatusResponse {
  correlationId: string;
  portalRequestId: string;
  status: CorrelationStatus;
  labOrderId?: string;
  timeline: { at: string; status: CorrelationStatus; source: TimelineEntry['source']; detail?: string }[];
  results: { sampleId: string; testCode: string; resultStatus: RecordedResult['resultStatus']; analytes: RecordedResult['analytes']; reportedAt: string }[];
}

/** Read model -> HTTP DTO: sequence numbers and lab event ids are internal and stay out. */
export function statusFromView(view: CorrelationView): TestRequestStatusResponse {
  const response: TestRequestStatusResponse = {
    correlationId: view.correlationId,
    portalRequestId: view.portalRequestId,
    status: view.status,
    timeline: [...view.timeline]
      .sort((a, b) => a.seq - b.seq)
      .map((entry) => ({ at: entry.at, status: entry.status, source: entry.source, ...(entry.detail !== undefined ? { detail: entry.detail } : {}) })),
    results: [...view.results]
      .sort((a, b) => a.seq - b.seq)
      .map((r) => ({ sampleId: r.sampleId, testCode: r.testCode, resultStatus: r.resultStatus, analytes: r.analytes, reportedAt: r.reportedAt })),
  };
  if (view.labOrderId) response.labOrderId = view.labOrderId;
  return response;
}

/** Before the first snapshot arrives, the stored request is all there is: RECEIVED. */
export function statusFromStoredRequest(stored: StoredTestRequest): TestRequestStatusResponse {
  return {
    correlationId: stored.correlationId,
    portalRequestId: stored.portalRequestId,
    status: 'RECEIVED',
    timeline: [{ at: stored.receivedAt.toISOString(), status: 'RECEIVED', source: 'portal' }],
    results: [],
  };
}
