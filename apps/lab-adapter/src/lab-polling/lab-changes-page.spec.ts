import { readChangesAnswer } from './lab-changes-page';

const statusChange = (n: number, status = 'IN_PROGRESS') => ({
  cursor: String(n),
  eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  type: 'order.status-changed',
  occurredAt: '2026-11-20T10:00:00.000Z',
  data: { labOrderId: 'LO-ABCDEFGH', externalRef: 'corr-1', status },
});
const result = (n: number) => ({
  cursor: String(n),
  eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  type: 'result.reported',
  occurredAt: '2026-11-20T11:00:00.000Z',
  data: { labOrderId: 'LO-ABCDEFGH', sampleId: 'S-1', testCode: 'PH', resultStatus: 'final', analytes: [{ name: 'pH', value: 7.1, unit: 'pH' }], reportedAt: '2026-11-20T11:00:00.000Z' },
});
const ok = (body: unknown) => ({ kind: 'response' as const, status: 200, body });

describe('reading an answer of the lab change feed', () => {
  it('turns each change into the webhook it stands for, in feed order, and keeps the lab’s next cursor', () => {
    const answer = readChangesAnswer(ok({ changes: [statusChange(4), result(5)], nextCursor: '5' }), '3');
    expect(answer).toEqual({
      kind: 'page',
      received: 2,
      nextCursor: '5',
      changes: [
        { cursor: '4', event: { eventId: statusChange(4).eventId, type: 'order.status-changed', occurredAt: '2026-11-20T10:00:00.000Z', data: { labOrderId: 'LO-ABCDEFGH', status: 'IN_PROGRESS' } } },
        { cursor: '5', event: expect.objectContaining({ type: 'result.reported', data: expect.objectContaining({ testCode: 'PH', resultStatus: 'final' }) }) },
      ],
    });
  });

  it('reads an empty page as nothing new', () => {
    expect(readChangesAnswer(ok({ changes: [], nextCursor: '7' }), '7')).toEqual({ kind: 'page', changes: [], nextCursor: '7', received: 0 });
  });

  it('stops before a change that fails validation and does not move past it', () => {
    const bad = { ...statusChange(6, 'DONE') };
    const answer = readChangesAnswer(ok({ changes: [statusChange(5), bad, statusChange(7)], nextCursor: '7' }), '4');
    expect(answer).toMatchObject({ kind: 'page', nextCursor: '5', received: 3, held: { eventId: bad.eventId, cursor: '6', errors: [{ path: '/changes/1/data/status' }] } });
    expect(answer.kind === 'page' && answer.changes.map((c) => c.cursor)).toEqual(['5']);
    // The first change bad: the watermark stays where it was (null: still at the lab's first change).
    expect(readChangesAnswer(ok({ changes: [{ ...statusChange(1), cursor: '' }], nextCursor: '1' }), null)).toMatchObject({
      kind: 'page',
      changes: [],
      nextCursor: null,
      held: { errors: [{ path: '/changes/0/cursor' }] },
    });
  });

  it('classifies failures: lab errors and timeouts heal, a refusal needs an operator, a body that is not a page is malformed', () => {
    expect(readChangesAnswer({ kind: 'response', status: 503, body: { detail: 'The lab system is down (injected outage).' } }, '1')).toEqual({
      kind: 'failed',
      reason: 'lab_error',
      detail: 'HTTP 503: The lab system is down (injected outage).',
    });
    expect(readChangesAnswer({ kind: 'response', status: 429, body: '' }, '1')).toMatchObject({ kind: 'failed', reason: 'lab_error' });
    expect(readChangesAnswer({ kind: 'response', status: 400, body: { detail: 'unknown cursor' } }, '1')).toMatchObject({ kind: 'failed', reason: 'refused' });
    expect(readChangesAnswer({ kind: 'timeout', timeoutMs: 500 }, '1')).toEqual({ kind: 'failed', reason: 'timeout', detail: 'no answer within 500 ms' });
    expect(readChangesAnswer({ kind: 'unreachable', message: 'ECONNREFUSED' }, '1')).toEqual({ kind: 'failed', reason: 'unreachable', detail: 'ECONNREFUSED' });
    expect(readChangesAnswer(ok('<html>'), '1')).toMatchObject({ kind: 'failed', reason: 'malformed' });
    expect(readChangesAnswer(ok({ changes: {}, nextCursor: '1' }), '1')).toMatchObject({ kind: 'failed', reason: 'malformed', detail: expect.stringContaining('/changes') });
    expect(readChangesAnswer(ok({ changes: [] }), '1')).toMatchObject({ kind: 'failed', reason: 'malformed', detail: expect.stringContaining('/nextCursor') });
    expect(readChangesAnswer(ok({ changes: [], nextCursor: '7\u0000' }), '1')).toMatchObject({ kind: 'failed', reason: 'malformed', detail: expect.stringContaining('/nextCursor must not contain U+0000') });
  });
});
