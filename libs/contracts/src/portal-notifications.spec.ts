import { notificationIdFor, portalNotificationsOf } from './portal-notifications';
import type { CorrelationSnapshot } from './events/correlation-status';

const at = '2026-11-21T10:00:00.000Z';
const snapshot: Pick<CorrelationSnapshot, 'correlationId' | 'timeline' | 'results'> = {
  correlationId: 'c-1',
  timeline: [
    { seq: 1, at, status: 'RECEIVED', source: 'portal' },
    { seq: 2, at, status: 'DISPATCHED', source: 'labsync' },
    { seq: 3, at, status: 'ACCEPTED_BY_LAB', source: 'lab' },
    { seq: 5, at, status: 'RESULTS_PARTIAL', source: 'lab' },
    { seq: 7, at, status: 'COMPLETED', source: 'lab' },
    { seq: 8, at, status: 'DELIVERED', source: 'labsync' },
  ],
  results: [
    { seq: 6, sampleId: 'S-1', testCode: 'PH', resultStatus: 'final', analytes: [], reportedAt: at, labEventId: 'e2' },
    { seq: 4, sampleId: 'S-1', testCode: 'PH', resultStatus: 'preliminary', analytes: [{ name: 'pH', value: 7.1, unit: 'pH' }], reportedAt: at, labEventId: 'e1' },
  ],
};

describe('portalNotificationsOf', () => {
  it('lists status changes and results in seq order, without RECEIVED and DELIVERED', () => {
    const list = portalNotificationsOf(snapshot);
    expect(list.map((n) => [n.seq, n.type])).toEqual([
      [2, 'status.changed'],
      [3, 'status.changed'],
      [4, 'result.reported'],
      [5, 'status.changed'],
      [6, 'result.reported'],
      [7, 'status.changed'],
    ]);
    expect(list[2]!.data).toEqual({ sampleId: 'S-1', testCode: 'PH', resultStatus: 'preliminary', analytes: [{ name: 'pH', value: 7.1, unit: 'pH' }] });
  });

  it('tells the partner about STALLED, with the reason, and about the status that lifted it', () => {
    const stalled = {
      correlationId: 'c-2',
      timeline: [
        { seq: 1, at, status: 'RECEIVED' as const, source: 'portal' as const },
        { seq: 2, at, status: 'DISPATCHED' as const, source: 'labsync' as const },
        { seq: 3, at, status: 'STALLED' as const, source: 'labsync' as const, detail: 'lab-acceptance-overdue: no answer since 2026-11-21T06:00:00.000Z' },
        { seq: 4, at, status: 'ACCEPTED_BY_LAB' as const, source: 'lab' as const },
      ],
      results: [],
    };
    expect(portalNotificationsOf(stalled).map((n) => [n.seq, n.type, n.data])).toEqual([
      [2, 'status.changed', { status: 'DISPATCHED' }],
      [3, 'status.changed', { status: 'STALLED', detail: 'lab-acceptance-overdue: no answer since 2026-11-21T06:00:00.000Z' }],
      [4, 'status.changed', { status: 'ACCEPTED_BY_LAB' }],
    ]);
  });

  it('derives the same notification ids every time (idempotent delivery after a crash or replay)', () => {
    expect(portalNotificationsOf(snapshot).map((n) => n.notificationId)).toEqual(portalNotificationsOf(snapshot).map((n) => n.notificationId));
    expect(notificationIdFor('c-1', 2)).toBe(notificationIdFor('c-1', 2));
    expect(notificationIdFor('c-1', 2)).not.toBe(notificationIdFor('c-1', 3));
    expect(notificationIdFor('c-1', 2)).not.toBe(notificationIdFor('c-2', 2));
    expect(notificationIdFor('c-1', 2)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
