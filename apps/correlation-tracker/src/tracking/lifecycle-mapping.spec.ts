import { CorrelationStatusChanged, type TopicMap, type Topic } from '@labsync/contracts';
import { isPublishable } from '../lifecycle/correlation-state';
import { accepted, dispatched, labStatus, rejected, result, run, submitted } from '../lifecycle/lifecycle-fixtures';
import { toSnapshot } from './correlation-snapshot';
import { fromDeliverySucceeded, fromLabStatusChanged, fromRequestSubmitted, fromResultReported } from './lifecycle-event-mapper';

describe('Kafka payloads -> lifecycle events', () => {
  it('takes partner and portal request id from request.submitted, at the time it was received', () => {
    const payload = {
      correlationId: 'c-1',
      partnerId: 'acme',
      receivedAt: '2026-11-20T08:00:00.000Z',
      request: { portalRequestId: 'PR-1001', customer: { id: 'C-42', name: 'Acme', email: 'qa@acme.example' }, priority: 'rush', samples: [] },
    } as unknown as TopicMap[typeof Topic.requestSubmitted];
    expect(fromRequestSubmitted(payload)).toEqual({ kind: 'request-submitted', at: payload.receivedAt, partnerId: 'acme', portalRequestId: 'PR-1001' });
  });

  it('keeps the lab status, the result and the delivered seq as they were reported', () => {
    expect(fromLabStatusChanged({ kind: 'status-changed', correlationId: 'c-1', labOrderId: 'L-1', labEventId: 'e-1', status: 'CANCELLED', occurredAt: '2026-11-20T09:00:00Z' })).toEqual({
      kind: 'lab-status-changed',
      at: '2026-11-20T09:00:00Z',
      labOrderId: 'L-1',
      labStatus: 'CANCELLED',
    });
    const result = { sampleId: 'S-1', testCode: 'PH', resultStatus: 'final' as const, analytes: [{ name: 'pH', value: 7.1, unit: 'pH', flag: 'N' }], reportedAt: '2026-11-20T10:00:00Z' };
    expect(fromResultReported({ kind: 'result-reported', correlationId: 'c-1', labOrderId: 'L-1', labEventId: 'e-2', result })).toEqual({ kind: 'result-reported', labOrderId: 'L-1', labEventId: 'e-2', result });
    expect(fromDeliverySucceeded({ correlationId: 'c-1', seq: 4, notificationId: '00000000-0000-5000-8000-000000000000', deliveredAt: '2026-11-20T11:00:00Z', attempts: 2 })).toEqual({
      kind: 'delivery-succeeded',
      at: '2026-11-20T11:00:00Z',
      seq: 4,
    });
  });
});

describe('state -> correlation.status-changed snapshot', () => {
  it('satisfies the contract schema, with the rejection detail and every result', () => {
    const rejectedState = run([submitted(), dispatched(), rejected(['no such test'])]);
    const progressed = run([submitted(), accepted(), labStatus('IN_PROGRESS', 3), result('e1', 'preliminary', 4), result('e2', 'final', 5)]);
    for (const state of [rejectedState, progressed]) {
      if (!isPublishable(state)) throw new Error('expected a publishable state');
      const snapshot = toSnapshot(state, new Date('2026-11-20T12:00:00Z'));
      expect(CorrelationStatusChanged.payload.parse(snapshot)).toEqual(snapshot);
      expect(snapshot).toMatchObject({ correlationId: 'corr-1', version: state.version, updatedAt: '2026-11-20T12:00:00.000Z' });
    }
    expect(toSnapshot(rejectedState as never, new Date()).timeline.at(-1)).toMatchObject({ status: 'REJECTED_BY_LAB', detail: 'no such test', reasons: ['no such test'] });
    expect(toSnapshot(progressed as never, new Date()).timeline.every((t) => !('detail' in t) && !('reasons' in t))).toBe(true);
  });

  it('is not publishable before request.submitted arrived', () => {
    expect(isPublishable(run([accepted(), labStatus('COMPLETED', 5)]))).toBe(false);
  });
});
