import type {
  LabOrderAcceptedPayload,
  LabOrderDispatchedPayload,
  LabOrderRejectedPayload,
  LabResultReportedPayload,
  LabStatusChangedPayload,
  Topic,
  TopicMap,
} from '@labsync/contracts';
import type { LifecycleEvent } from '../lifecycle/correlation-state';

/** Kafka payloads (already validated by the consumer) -> the state machine's events. */

export const fromRequestSubmitted = (p: TopicMap[typeof Topic.requestSubmitted]): LifecycleEvent => ({
  kind: 'request-submitted',
  at: p.receivedAt,
  partnerId: p.partnerId,
  portalRequestId: p.request.portalRequestId,
});

export const fromOrderDispatched = (p: LabOrderDispatchedPayload): LifecycleEvent => ({
  kind: 'order-dispatched',
  at: p.dispatchedAt,
});

export const fromOrderAccepted = (p: LabOrderAcceptedPayload): LifecycleEvent => ({
  kind: 'order-accepted',
  at: p.acceptedAt,
  labOrderId: p.labOrderId,
});

export const fromOrderRejected = (p: LabOrderRejectedPayload): LifecycleEvent => ({
  kind: 'order-rejected',
  at: p.rejectedAt,
  reasons: p.reasons,
});

export const fromLabStatusChanged = (p: LabStatusChangedPayload): LifecycleEvent => ({
  kind: 'lab-status-changed',
  at: p.occurredAt,
  labOrderId: p.labOrderId,
  labStatus: p.status,
});

export const fromResultReported = (p: LabResultReportedPayload): LifecycleEvent => ({
  kind: 'result-reported',
  labOrderId: p.labOrderId,
  labEventId: p.labEventId,
  result: {
    sampleId: p.result.sampleId,
    testCode: p.result.testCode,
    resultStatus: p.result.resultStatus,
    analytes: p.result.analytes.map((a) => ({ ...a })),
    reportedAt: p.result.reportedAt,
  },
});

export function fromLabOrderEvent(p: TopicMap[typeof Topic.labOrderEvents]): LifecycleEvent {
  switch (p.kind) {
    case 'dispatched':
      return fromOrderDispatched(p);
    case 'accepted':
      return fromOrderAccepted(p);
    case 'rejected':
      return fromOrderRejected(p);
    case 'status-changed':
      return fromLabStatusChanged(p);
    case 'result-reported':
      return fromResultReported(p);
  }
}

export const fromDeliverySucceeded = (p: TopicMap[typeof Topic.portalDeliverySucceeded]): LifecycleEvent => ({
  kind: 'delivery-succeeded',
  at: p.deliveredAt,
  seq: p.seq,
});
