import { acceptedAnswer, applyPreference, labAnswered } from './test-request-answers';

const prefer = (waitSeconds: number | null, respondAsyncRequested = false) => ({
  mode: waitSeconds === null ? ('async' as const) : ('wait' as const),
  waitSeconds,
  respondAsyncRequested,
});
const ID = '5b0c2c56-1f7e-4a51-9a0a-3c3c3c3c3c3c';

describe('applyPreference', () => {
  it('clamps a wait above SYNC_WAIT_MAX_SECONDS and says so', () => {
    expect(applyPreference(prefer(120), 30)).toEqual({ waitSeconds: 30, clamped: true, respondAsyncRequested: false });
    expect(applyPreference(prefer(5), 30)).toEqual({ waitSeconds: 5, clamped: false, respondAsyncRequested: false });
    expect(applyPreference(prefer(null, true), 30)).toEqual({ waitSeconds: null, clamped: false, respondAsyncRequested: true });
  });
});

describe('answers to POST /v1/test-requests', () => {
  it('is the asynchronous 202 without a wait, with Preference-Applied only for an explicit respond-async', () => {
    expect(acceptedAnswer(ID, '', applyPreference(prefer(null), 30))).toEqual({
      status: 202,
      contentType: 'application/json',
      headers: { Location: `/v1/test-requests/${ID}`, 'Retry-After': '2' },
      body: { correlationId: ID, status: 'RECEIVED', statusUrl: `/v1/test-requests/${ID}` },
    });
    expect(acceptedAnswer(ID, '', applyPreference(prefer(null, true), 30)).headers['Preference-Applied']).toBe('respond-async');
  });

  it('is the same 202 when the wait ran out, saying which wait was applied', () => {
    const answer = acceptedAnswer(ID, 'https://api.example', applyPreference(prefer(90, true), 30));
    expect(answer.status).toBe(202);
    expect(answer.headers['Preference-Applied']).toBe('respond-async, wait=30');
    expect(answer.body).toEqual({ correlationId: ID, status: 'RECEIVED', statusUrl: `https://api.example/v1/test-requests/${ID}` });
  });

  it('is 201 with the lab order id when the lab accepted', () => {
    expect(labAnswered(ID, { kind: 'accepted', labOrderId: 'LO-1' }, '', applyPreference(prefer(10, true), 30))).toEqual({
      status: 201,
      contentType: 'application/json',
      headers: { Location: `/v1/test-requests/${ID}`, 'Preference-Applied': 'wait=10' },
      body: { correlationId: ID, status: 'ACCEPTED_BY_LAB', labOrderId: 'LO-1', statusUrl: `/v1/test-requests/${ID}` },
    });
  });

  it('is a 422 problem with the correlation id, REJECTED_BY_LAB and the reasons when the lab rejected', () => {
    const answer = labAnswered(ID, { kind: 'rejected', reasons: ['sample S-1: unknown test code "XYZ"'] }, '', applyPreference(prefer(10), 30));
    expect(answer.status).toBe(422);
    expect(answer.contentType).toBe('application/problem+json');
    expect(answer.body).toEqual({
      type: 'https://labsync.dev/problems/rejected-by-lab',
      title: 'Rejected by the lab',
      status: 'REJECTED_BY_LAB',
      detail: 'The lab rejected this test request: sample S-1: unknown test code "XYZ".',
      instance: `/v1/test-requests/${ID}`,
      correlationId: ID,
      reasons: ['sample S-1: unknown test code "XYZ"'],
      statusUrl: `/v1/test-requests/${ID}`,
    });
  });
});
