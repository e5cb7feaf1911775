import { CORRELATION_STATUSES, type CorrelationStatus } from '@labsync/contracts';
import fc from 'fast-check';
import { STATUSES_THAT_MAY_END_A_WAIT, labAnswerOf, mayEndAWait, rejectionReasons } from './lab-answer';

const view = (status: CorrelationStatus, labOrderId: string | null = null, timeline: Parameters<typeof labAnswerOf>[0]['timeline'] = null) => ({
  status,
  labOrderId,
  timeline,
});

describe('labAnswerOf (what a waiting partner is told)', () => {
  it('answers accepted with the lab order id for ACCEPTED_BY_LAB and every later lab-side status', () => {
    for (const status of ['ACCEPTED_BY_LAB', 'IN_PROGRESS', 'RESULTS_PARTIAL', 'COMPLETED', 'DELIVERED'] as const) {
      expect(labAnswerOf(view(status, 'LO-7'))).toEqual({ kind: 'accepted', labOrderId: 'LO-7' });
    }
  });

  it('answers rejected with the reasons of the REJECTED_BY_LAB entry', () => {
    const timeline = [
      { status: 'RECEIVED' as const },
      { status: 'REJECTED_BY_LAB' as const, detail: 'a; b', reasons: ['sample S-1: unknown test code "XYZ"', 'sample S-2: unknown; really'] },
    ];
    expect(labAnswerOf(view('REJECTED_BY_LAB', null, timeline))).toEqual({
      kind: 'rejected',
      reasons: ['sample S-1: unknown test code "XYZ"', 'sample S-2: unknown; really'],
    });
  });

  it('keeps waiting before the lab answered, and while STALLED before an acceptance', () => {
    expect(labAnswerOf(view('RECEIVED'))).toBeNull();
    expect(labAnswerOf(view('DISPATCHED'))).toBeNull();
    expect(labAnswerOf(view('STALLED'))).toBeNull();
  });

  it('still answers accepted when the request stalled after the lab accepted it (results overdue)', () => {
    expect(labAnswerOf(view('STALLED', 'LO-9'))).toEqual({ kind: 'accepted', labOrderId: 'LO-9' });
  });

  it('ends the wait without a lab answer for CANCELLED and FAILED (the partner gets its 202)', () => {
    expect(labAnswerOf(view('CANCELLED', 'LO-1'))).toEqual({ kind: 'settled', status: 'CANCELLED' });
    expect(labAnswerOf(view('FAILED'))).toEqual({ kind: 'settled', status: 'FAILED' });
  });

  it('never answers for a status the consumer does not NOTIFY about (an answer is never left to the poll alone)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CORRELATION_STATUSES), fc.option(fc.string({ minLength: 1 })), (status, labOrderId) => {
        if (labAnswerOf(view(status, labOrderId, [])) !== null) expect(mayEndAWait(status)).toBe(true);
      }),
    );
    expect(STATUSES_THAT_MAY_END_A_WAIT).not.toContain('RECEIVED');
    expect(STATUSES_THAT_MAY_END_A_WAIT).not.toContain('DISPATCHED');
  });
});

describe('rejectionReasons', () => {
  it('splits the joined detail of snapshots published before the contract carried reasons', () => {
    expect(rejectionReasons([{ status: 'REJECTED_BY_LAB', detail: 'unknown test code "XYZ"; sample expired' }])).toEqual([
      'unknown test code "XYZ"',
      'sample expired',
    ]);
  });

  it('is empty when the lab gave nothing', () => {
    expect(rejectionReasons([{ status: 'REJECTED_BY_LAB' }])).toEqual([]);
    expect(rejectionReasons([])).toEqual([]);
  });
});
