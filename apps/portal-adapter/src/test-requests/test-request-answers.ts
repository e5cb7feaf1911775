import type { LabAnswer } from '../sync-answers/lab-answer';
import type { ResponsePreference } from './prefer-header';

/** Seconds a partner should wait before polling the status resource. */
export const RETRY_AFTER_SECONDS = 2;

/** One HTTP answer to `POST /v1/test-requests`, before it is written. */
export interface TestRequestAnswer {
  status: 201 | 202 | 422;
  contentType: 'application/json' | 'application/problem+json';
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** What the partner asked for, as far as answering goes, after SYNC_WAIT_MAX_SECONDS was applied. */
export interface AppliedPreference {
  /** Seconds to wait for the lab's answer, or null for the asynchronous answer at once. */
  waitSeconds: number | null;
  /** The partner asked for more than the maximum. */
  clamped: boolean;
  respondAsyncRequested: boolean;
}

export function applyPreference(preference: ResponsePreference, maxWaitSeconds: number): AppliedPreference {
  if (preference.mode !== 'wait' || preference.waitSeconds === null) {
    return { waitSeconds: null, clamped: false, respondAsyncRequested: preference.respondAsyncRequested };
  }
  return {
    waitSeconds: Math.min(preference.waitSeconds, maxWaitSeconds),
    clamped: preference.waitSeconds > maxWaitSeconds,
    respondAsyncRequested: preference.respondAsyncRequested,
  };
}

/**
 * `Preference-Applied` (RFC 7240): `wait=<seconds actually waited for>` whenever the partner asked to wait
 * (a clamped N shows the maximum), plus `respond-async` when the partner asked for it and got a 202.
 */
function preferenceApplied(preference: AppliedPreference, answeredAsync: boolean): string | null {
  const applied: string[] = [];
  if (preference.respondAsyncRequested && answeredAsync) applied.push('respond-async');
  if (preference.waitSeconds !== null) applied.push(`wait=${preference.waitSeconds}`);
  return applied.length > 0 ? applied.join(', ') : null;
}

function commonHeaders(location: string, preference: AppliedPreference, answeredAsync: boolean): Record<string, string> {
  const headers: Record<string, string> = { Location: location };
  const applied = preferenceApplied(preference, answeredAsync);
  if (applied) headers['Preference-Applied'] = applied;
  return headers;
}

/**
 * The asynchronous answer: 202, the request is stored and on its way. Also what `Prefer: wait=N` gets when
 * N ran out, or when the request ended without a lab answer (cancelled, failed): never an error for a
 * request that was stored.
 */
export function acceptedAnswer(correlationId: string, publicBaseUrl: string, preference: AppliedPreference): TestRequestAnswer {
  const location = `/v1/test-requests/${correlationId}`;
  return {
    status: 202,
    contentType: 'application/json',
    headers: { ...commonHeaders(location, preference, true), 'Retry-After': String(RETRY_AFTER_SECONDS) },
    body: { correlationId, status: 'RECEIVED', statusUrl: `${publicBaseUrl}${location}` },
  };
}

/**
 * The synchronous answer once the lab answered within N seconds: 201 with the lab's order id, or 422
 * problem+json with its reasons. In the 422 the `status` member is the request's status, as the partner
 * contract defines it (the HTTP status is on the status line).
 */
export function labAnswered(correlationId: string, answer: Exclude<LabAnswer, { kind: 'settled' }>, publicBaseUrl: string, preference: AppliedPreference): TestRequestAnswer {
  const location = `/v1/test-requests/${correlationId}`;
  const statusUrl = `${publicBaseUrl}${location}`;
  const headers = commonHeaders(location, preference, false);
  if (answer.kind === 'accepted') {
    return { status: 201, contentType: 'application/json', headers, body: { correlationId, status: 'ACCEPTED_BY_LAB', labOrderId: answer.labOrderId, statusUrl } };
  }
  const reasons = answer.reasons;
  return {
    status: 422,
    contentType: 'application/problem+json',
    headers,
    body: {
      type: 'https://labsync.dev/problems/rejected-by-lab',
      title: 'Rejected by the lab',
      status: 'REJECTED_BY_LAB',
      detail: reasons.length > 0 ? `The lab rejected this test request: ${reasons.join('; ')}.` : 'The lab rejected this test request.',
      instance: location,
      correlationId,
      reasons,
      statusUrl,
    },
  };
}
