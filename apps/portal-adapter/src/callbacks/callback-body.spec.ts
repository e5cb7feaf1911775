import { notificationIdFor, portalNotificationsOf, type CorrelationSnapshot } from '@labsync/contracts';
import { callbackBodyOf, serializeCallbackBody, type PartnerCallbackBody } from './callback-body';

const snapshot: CorrelationSnapshot = {
  correlationId: '0b8e2c0e-7a0e-4a4e-9a43-6c1f3f1c0a11',
  partnerId: 'acme',
  portalRequestId: 'PR-1',
  status: 'RESULTS_PARTIAL',
  labOrderId: 'L-1',
  version: 4,
  updatedAt: '2026-11-20T10:00:00.000Z',
  timeline: [
    { seq: 1, at: '2026-11-20T08:00:00.000Z', status: 'RECEIVED', source: 'portal' },
    { seq: 2, at: '2026-11-20T08:01:00.000Z', status: 'ACCEPTED_BY_LAB', source: 'lab', detail: 'order L-1' },
    { seq: 4, at: '2026-11-20T09:01:00.000Z', status: 'RESULTS_PARTIAL', source: 'labsync' },
  ],
  results: [
    {
      seq: 3,
      sampleId: 'S-1',
      testCode: 'PH',
      resultStatus: 'preliminary',
      analytes: [{ name: 'pH', value: 7.1, unit: '', flag: 'N' }],
      reportedAt: '2026-11-20T09:00:00.000Z',
      labEventId: 'e-1',
    },
  ],
};

describe('callback bodies', () => {
  const bodies = portalNotificationsOf(snapshot).map((n) => callbackBodyOf(snapshot, n));

  it('turns each portal notification into the contract body, in seq order', () => {
    expect(bodies).toEqual([
      {
        eventId: notificationIdFor(snapshot.correlationId, 2),
        type: 'status.changed',
        correlationId: snapshot.correlationId,
        portalRequestId: 'PR-1',
        occurredAt: '2026-11-20T08:01:00.000Z',
        data: { status: 'ACCEPTED_BY_LAB', detail: 'order L-1' },
      },
      {
        eventId: notificationIdFor(snapshot.correlationId, 3),
        type: 'result.reported',
        correlationId: snapshot.correlationId,
        portalRequestId: 'PR-1',
        occurredAt: '2026-11-20T09:00:00.000Z',
        data: { sampleId: 'S-1', testCode: 'PH', resultStatus: 'preliminary', analytes: [{ name: 'pH', value: 7.1, unit: '', flag: 'N' }] },
      },
      {
        eventId: notificationIdFor(snapshot.correlationId, 4),
        type: 'status.changed',
        correlationId: snapshot.correlationId,
        portalRequestId: 'PR-1',
        occurredAt: '2026-11-20T09:01:00.000Z',
        data: { status: 'RESULTS_PARTIAL' },
      },
    ]);
  });

  it('serialises in the contract order whatever order the stored JSON has', () => {
    // What a jsonb column gives back: keys sorted by length, then bytes.
    const fromJsonb = JSON.parse(
      '{"data":{"analytes":[{"flag":"N","name":"pH","unit":"","value":7.1}],"sampleId":"S-1","testCode":"PH","resultStatus":"preliminary"},"type":"result.reported","eventId":"' +
        bodies[1]!.eventId +
        '","occurredAt":"2026-11-20T09:00:00.000Z","correlationId":"' +
        snapshot.correlationId +
        '","portalRequestId":"PR-1"}',
    ) as PartnerCallbackBody;
    expect(serializeCallbackBody(fromJsonb)).toBe(
      `{"eventId":"${bodies[1]!.eventId}","type":"result.reported","correlationId":"${snapshot.correlationId}","portalRequestId":"PR-1",` +
        '"occurredAt":"2026-11-20T09:00:00.000Z","data":{"sampleId":"S-1","testCode":"PH","resultStatus":"preliminary","analytes":[{"name":"pH","value":7.1,"unit":"","flag":"N"}]}}',
    );
    expect(JSON.parse(serializeCallbackBody(fromJsonb))).toEqual(bodies[1]);
  });

  it('keeps status bodies minimal: data is { status } unless there is a detail', () => {
    expect(JSON.parse(serializeCallbackBody(bodies[2]!)).data).toEqual({ status: 'RESULTS_PARTIAL' });
    expect(JSON.parse(serializeCallbackBody(bodies[0]!)).data).toEqual({ status: 'ACCEPTED_BY_LAB', detail: 'order L-1' });
  });
});
