import type { CorrelationStatus, TimelineEntry } from '@labsync/contracts';

/**
 * What a partner waiting on `Prefer: wait=N` is told, derived from the correlation's status read model:
 * - accepted: the lab took the order (ACCEPTED_BY_LAB or any later lab-side status) -> 201 with its id;
 * - rejected: the lab refused it -> 422 with the lab's reasons;
 * - settled: it ended without a lab answer to give (CANCELLED, FAILED) -> the asynchronous 202 at once.
 * Anything else (RECEIVED, DISPATCHED, STALLED before the lab accepted) is no answer yet: keep waiting.
 * STALLED after the acceptance (results overdue) still answers "accepted": the view keeps the lab order id.
 */
export type LabAnswer = { kind: 'accepted'; labOrderId: string } | { kind: 'rejected'; reasons: string[] } | { kind: 'settled'; status: CorrelationStatus };

/** The part of a correlation view an answer is derived from (timeline is only needed for a rejection). */
export interface AnswerSource {
  status: CorrelationStatus;
  labOrderId: string | null;
  timeline: Pick<TimelineEntry, 'status' | 'detail' | 'reasons'>[] | null;
}

const ACCEPTED_OR_LATER: ReadonlySet<CorrelationStatus> = new Set(['ACCEPTED_BY_LAB', 'IN_PROGRESS', 'RESULTS_PARTIAL', 'COMPLETED', 'DELIVERED']);
const SETTLED_WITHOUT_ANSWER: ReadonlySet<CorrelationStatus> = new Set(['CANCELLED', 'FAILED']);

/**
 * Statuses that may end a wait: the status consumer NOTIFYs waiting replicas only when a view reaches one
 * (STALLED only ends it when the lab had accepted before, which labAnswerOf checks).
 */
export const STATUSES_THAT_MAY_END_A_WAIT: readonly CorrelationStatus[] = [...ACCEPTED_OR_LATER, 'STALLED', 'REJECTED_BY_LAB', ...SETTLED_WITHOUT_ANSWER];

export function mayEndAWait(status: CorrelationStatus): boolean {
  return STATUSES_THAT_MAY_END_A_WAIT.includes(status);
}

export function labAnswerOf(view: AnswerSource): LabAnswer | null {
  if (view.status === 'REJECTED_BY_LAB') return { kind: 'rejected', reasons: rejectionReasons(view.timeline ?? []) };
  if (SETTLED_WITHOUT_ANSWER.has(view.status)) return { kind: 'settled', status: view.status };
  // The tracker sets the lab order id with the acceptance (or the first lab event that names the order).
  const accepted = ACCEPTED_OR_LATER.has(view.status) || view.status === 'STALLED';
  if (accepted && view.labOrderId) return { kind: 'accepted', labOrderId: view.labOrderId };
  return null;
}

/**
 * The lab's reasons, from the REJECTED_BY_LAB timeline entry. Snapshots published before the contract
 * carried `reasons` only have them joined with "; " in `detail`, so those are split back.
 */
export function rejectionReasons(timeline: Pick<TimelineEntry, 'status' | 'detail' | 'reasons'>[]): string[] {
  const entry = [...timeline].reverse().find((t) => t.status === 'REJECTED_BY_LAB');
  if (!entry) return [];
  if (entry.reasons && entry.reasons.length > 0) return [...entry.reasons];
  if (entry.detail) return entry.detail.split('; ').filter((reason) => reason.length > 0);
  return [];
}
