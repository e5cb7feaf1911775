import type { ResultStatus, StallReason } from '@labsync/contracts';
import { apply } from './correlation-state-machine';
import { initialState, type CorrelationState, type LifecycleEvent } from './correlation-state';

/** Small builders for the machine's specs (not used by production code). */
export const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 8, minute)).toISOString();

export const submitted = (minute = 0): LifecycleEvent => ({ kind: 'request-submitted', at: at(minute), partnerId: 'acme', portalRequestId: 'PR-1' });
export const dispatched = (minute = 1): LifecycleEvent => ({ kind: 'order-dispatched', at: at(minute) });
export const accepted = (minute = 2, labOrderId = 'LAB-1'): LifecycleEvent => ({ kind: 'order-accepted', at: at(minute), labOrderId });
export const rejected = (reasons: string[], minute = 2): LifecycleEvent => ({ kind: 'order-rejected', at: at(minute), reasons });
export const labStatus = (labStatus: 'RECEIVED' | 'IN_PROGRESS' | 'COMPLETED' | 'CANCELLED', minute: number): LifecycleEvent => ({
  kind: 'lab-status-changed',
  at: at(minute),
  labOrderId: 'LAB-1',
  labStatus,
});
export const result = (labEventId: string, resultStatus: ResultStatus, minute: number, testCode = 'PH', sampleId = 'S-1'): LifecycleEvent => ({
  kind: 'result-reported',
  labOrderId: 'LAB-1',
  labEventId,
  result: { sampleId, testCode, resultStatus, analytes: [{ name: testCode, value: minute, unit: 'u' }], reportedAt: at(minute) },
});
export const delivered = (seq: number, minute = 59): LifecycleEvent => ({ kind: 'delivery-succeeded', at: at(minute), seq });
export const stallDetected = (reason: StallReason, minute: number, sinceMinute = minute - 1): LifecycleEvent => ({
  kind: 'stall-detected',
  at: at(minute),
  reason,
  since: at(sinceMinute),
});

export function run(events: LifecycleEvent[], from: CorrelationState = initialState('corr-1')): CorrelationState {
  return events.reduce((state, event) => apply(state, event).state, from);
}
