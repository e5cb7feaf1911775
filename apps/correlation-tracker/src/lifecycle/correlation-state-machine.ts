import { portalNotificationsOf, type CorrelationStatus, type LabOrderStatus, type ResultStatus, type StallReason } from '@labsync/contracts';
import type { CorrelationState, LifecycleEvent, RecordedResult, TimelineSource } from './correlation-state';

/**
 * The status state machine of a correlation. Pure: no I/O, no clock (every time comes from the event),
 * so it can be replayed and property-tested.
 *
 * - Progress is forward-only by rank; an event whose status ranks at or below the current one changes
 *   nothing (late and duplicated events never move a correlation backwards). Statuses may be skipped.
 * - REJECTED_BY_LAB, CANCELLED and FAILED are terminal, and DELIVERED is final: nothing moves the status
 *   after them. A terminal status can be entered from any status that is not itself final.
 * - Results are recorded per (sampleId, testCode) only when they supersede what is recorded
 *   (preliminary < final < corrected; a later corrected supersedes an earlier one), whatever the status.
 * - DELIVERED is reached from COMPLETED once every portal notification of the snapshot was acknowledged.
 * - A result newly recorded while DELIVERED (after delivery the lab-adapter lets only corrections through)
 *   is a new fact, not a late event: it reopens delivery. The status goes back to COMPLETED with a timeline
 *   entry saying why, and DELIVERED is reached again once the correction reached the portal. This is the only
 *   move down the ranks; no late, duplicated or reordered event can cause it (they are never newly recorded).
 * - STALLED is an overlay, not a rank: `stall-detected` puts it over a status that waits for the lab
 *   (RECEIVED/DISPATCHED for an acceptance, ACCEPTED_BY_LAB/IN_PROGRESS/RESULTS_PARTIAL for progress);
 *   ranks keep being compared with the overlaid status, so a late event changes nothing, and the lab's
 *   next news (a status ranking higher, a terminal status, or a newly recorded result) lifts it with a
 *   timeline entry of the status reached. The timeline keeps both entries. A stalled correlation is not
 *   stalled again until it has left STALLED.
 */

/** Rank of the progress statuses; anything else (null, STALLED, terminals) ranks below them all. */
const PROGRESS_RANK: Partial<Record<CorrelationStatus, number>> = {
  RECEIVED: 0,
  DISPATCHED: 1,
  ACCEPTED_BY_LAB: 2,
  IN_PROGRESS: 3,
  RESULTS_PARTIAL: 4,
  COMPLETED: 5,
  DELIVERED: 6,
};

const TERMINAL_STATUSES: ReadonlySet<CorrelationStatus> = new Set(['REJECTED_BY_LAB', 'CANCELLED', 'FAILED']);

const RESULT_RANK: Record<ResultStatus, number> = { preliminary: 0, final: 1, corrected: 2 };

/** Lab order status -> the correlation status it means (lab RECEIVED = the lab has the order). */
const LAB_STATUS_TARGET: Record<LabOrderStatus, CorrelationStatus> = {
  RECEIVED: 'ACCEPTED_BY_LAB',
  IN_PROGRESS: 'IN_PROGRESS',
  COMPLETED: 'COMPLETED',
  CANCELLED: 'CANCELLED',
};

/** What a status waits for from the lab, named by the reason it stalls for when the wait runs out. */
const AWAITING: Partial<Record<CorrelationStatus, StallReason>> = {
  RECEIVED: 'lab-acceptance-overdue',
  DISPATCHED: 'lab-acceptance-overdue',
  ACCEPTED_BY_LAB: 'results-overdue',
  IN_PROGRESS: 'results-overdue',
  RESULTS_PARTIAL: 'results-overdue',
};

const STALL_DETAIL: Record<StallReason, string> = {
  'lab-acceptance-overdue': 'the lab has neither accepted nor rejected the order since',
  'results-overdue': 'no status change and no new result from the lab since',
};

/** The contract caps a timeline detail at 2000 characters. */
const MAX_DETAIL_LENGTH = 2000;

export interface Transition {
  /** The new state; the very same object as the input when the event changed nothing at all. */
  state: CorrelationState;
  /** True when the published snapshot changed (version bumped): write it to the outbox. */
  changed: boolean;
}

export function statusRank(status: CorrelationStatus | null): number {
  return status === null ? -1 : (PROGRESS_RANK[status] ?? -1);
}

export function isTerminal(status: CorrelationStatus | null): boolean {
  return status !== null && TERMINAL_STATUSES.has(status);
}

/**
 * The reason a correlation in `status` stalls for when the lab keeps it waiting too long; null when it
 * waits for nothing from the lab (COMPLETED and after, terminal, STALLED itself, unknown).
 */
export function stallReasonFor(status: CorrelationStatus | null): StallReason | null {
  return status === null ? null : (AWAITING[status] ?? null);
}

/** The status progress is ranked from: the one STALLED overlays, else the status itself. */
export function progressStatusOf(state: Pick<CorrelationState, 'status' | 'stall'>): CorrelationStatus | null {
  return state.stall?.stalledIn ?? state.status;
}

/** Statuses nothing moves away from. */
export function isFinal(status: CorrelationStatus | null): boolean {
  return isTerminal(status) || status === 'DELIVERED';
}

export function apply(state: CorrelationState, event: LifecycleEvent): Transition {
  const applied = applyEvent(state, event);
  const next = completeDelivery(applied, eventTime(event));
  if (next === state) return { state, changed: false };
  const changed = snapshotDiffers(state, next);
  return { state: changed ? { ...next, version: state.version + 1 } : next, changed };
}

function applyEvent(state: CorrelationState, event: LifecycleEvent): CorrelationState {
  switch (event.kind) {
    case 'request-submitted': {
      const identified =
        state.partnerId === null ? { ...state, partnerId: event.partnerId, portalRequestId: event.portalRequestId } : state;
      return advance(identified, 'RECEIVED', event.at, 'portal');
    }
    case 'order-dispatched':
      return advance(state, 'DISPATCHED', event.at, 'labsync');
    case 'order-accepted':
      // After a rejection the lab has no order: a late acceptance is ignored altogether.
      if (state.status === 'REJECTED_BY_LAB') return state;
      return advance(withLabOrderId(state, event.labOrderId), 'ACCEPTED_BY_LAB', event.at, 'lab');
    case 'order-rejected':
      return advance(state, 'REJECTED_BY_LAB', event.at, 'lab', event.reasons.join('; ').slice(0, MAX_DETAIL_LENGTH), event.reasons);
    case 'lab-status-changed':
      return advance(withLabOrderId(state, event.labOrderId), LAB_STATUS_TARGET[event.labStatus], event.at, 'lab');
    case 'result-reported': {
      if (!supersedesRecorded(state.results, event.labEventId, event.result)) return withLabOrderId(state, event.labOrderId);
      // A new result is news from the lab: it lifts STALLED even when RESULTS_PARTIAL is no step forward.
      const reportedAt = event.result.reportedAt;
      const reopened = state.status === 'DELIVERED' ? reopenDelivery(state, reportedAt, event.result.resultStatus) : state;
      const progressed = resumeFromStall(advance(withLabOrderId(reopened, event.labOrderId), 'RESULTS_PARTIAL', reportedAt, 'lab'), reportedAt);
      const recorded: RecordedResult = {
        seq: progressed.nextSeq,
        sampleId: event.result.sampleId,
        testCode: event.result.testCode,
        resultStatus: event.result.resultStatus,
        analytes: event.result.analytes,
        reportedAt: event.result.reportedAt,
        labEventId: event.labEventId,
      };
      return { ...progressed, nextSeq: progressed.nextSeq + 1, results: [...progressed.results, recorded] };
    }
    case 'delivery-succeeded':
      // A seq not assigned yet cannot have been delivered (it would be another correlation's history).
      if (event.seq >= state.nextSeq || state.deliveredSeqs.includes(event.seq)) return state;
      return { ...state, deliveredSeqs: [...state.deliveredSeqs, event.seq].sort((a, b) => a - b) };
    case 'stall-detected':
      return stall(state, event.reason, event.since, event.at);
  }
}

/**
 * Puts STALLED over the current status, only when that status still waits for what `reason` says (a sweep
 * that raced with the lab's answer changes nothing), the correlation is published (partner known), and it
 * is not stalled already (one stall, one alert).
 */
function stall(state: CorrelationState, reason: StallReason, since: string, at: string): CorrelationState {
  if (state.stall !== null || state.status === null || state.partnerId === null || stallReasonFor(state.status) !== reason) return state;
  const detail = `${reason}: ${STALL_DETAIL[reason]} ${since}`.slice(0, MAX_DETAIL_LENGTH);
  return {
    ...state,
    status: 'STALLED',
    stall: { reason, since, stalledAt: at, stalledIn: state.status },
    nextSeq: state.nextSeq + 1,
    timeline: [...state.timeline, { seq: state.nextSeq, at, status: 'STALLED', source: 'labsync', detail }],
  };
}

/** Lifts STALLED back to the status it overlays (news from the lab that is no step forward: a new result). */
function resumeFromStall(state: CorrelationState, at: string): CorrelationState {
  if (state.stall === null) return state;
  const entry = { seq: state.nextSeq, at, status: state.stall.stalledIn, source: 'lab' as const };
  return { ...state, status: state.stall.stalledIn, stall: null, nextSeq: state.nextSeq + 1, timeline: [...state.timeline, entry] };
}

/**
 * Moves to `target` with a new timeline entry (lifting STALLED), unless the rules say the event is late or
 * the status final; ranks are compared with the status STALLED overlays.
 */
function advance(state: CorrelationState, target: CorrelationStatus, at: string, source: TimelineSource, detail?: string, reasons?: string[]): CorrelationState {
  if (!mayMoveTo(progressStatusOf(state), target)) return state;
  const entry = {
    seq: state.nextSeq,
    at,
    status: target,
    source,
    ...(detail ? { detail } : {}),
    ...(reasons && reasons.length > 0 ? { reasons: [...reasons] } : {}),
  };
  return { ...state, status: target, stall: null, nextSeq: state.nextSeq + 1, timeline: [...state.timeline, entry] };
}

export function mayMoveTo(current: CorrelationStatus | null, target: CorrelationStatus): boolean {
  if (isFinal(current)) return false;
  if (isTerminal(target)) return true;
  return statusRank(target) > statusRank(current);
}

function withLabOrderId(state: CorrelationState, labOrderId: string): CorrelationState {
  if (state.labOrderId !== null || state.status === 'REJECTED_BY_LAB') return state;
  return { ...state, labOrderId };
}

/**
 * A result is recorded when it ranks above the latest recorded for its test, or when it is a correction
 * reported later than the latest correction. A duplicate, a late preliminary after a final or an older
 * correction is ignored.
 */
export function supersedesRecorded(
  results: readonly RecordedResult[],
  labEventId: string,
  result: { sampleId: string; testCode: string; resultStatus: ResultStatus; reportedAt: string },
): boolean {
  if (results.some((r) => r.labEventId === labEventId)) return false;
  const sameTest = results.filter((r) => r.sampleId === result.sampleId && r.testCode === result.testCode);
  if (sameTest.length === 0) return true;
  const highestRank = Math.max(...sameTest.map((r) => RESULT_RANK[r.resultStatus]));
  if (RESULT_RANK[result.resultStatus] > highestRank) return true;
  if (result.resultStatus !== 'corrected') return false;
  const latestCorrection = Math.max(...sameTest.filter((r) => r.resultStatus === 'corrected').map((r) => Date.parse(r.reportedAt)));
  return Date.parse(result.reportedAt) > latestCorrection;
}

/** DELIVERED -> COMPLETED: a result recorded after delivery must reach the portal before DELIVERED holds again. */
function reopenDelivery(state: CorrelationState, at: string, resultStatus: ResultStatus): CorrelationState {
  const detail = `a ${resultStatus} result was reported after delivery; delivery reopened until it reaches the portal`;
  const entry = { seq: state.nextSeq, at, status: 'COMPLETED' as const, source: 'lab' as const, detail };
  return { ...state, status: 'COMPLETED', nextSeq: state.nextSeq + 1, timeline: [...state.timeline, entry] };
}

/** COMPLETED + every notification the portal gets for this snapshot acknowledged => DELIVERED. */
function completeDelivery(state: CorrelationState, at: string): CorrelationState {
  if (state.status !== 'COMPLETED' || state.partnerId === null) return state;
  const delivered = new Set(state.deliveredSeqs);
  const allDelivered = portalNotificationsOf(state).every((n) => delivered.has(n.seq));
  return allDelivered ? advance(state, 'DELIVERED', at, 'labsync') : state;
}

/** Only appends happen to timeline and results, so their lengths tell whether they changed. */
function snapshotDiffers(before: CorrelationState, after: CorrelationState): boolean {
  return (
    before.status !== after.status ||
    before.partnerId !== after.partnerId ||
    before.portalRequestId !== after.portalRequestId ||
    before.labOrderId !== after.labOrderId ||
    before.timeline.length !== after.timeline.length ||
    before.results.length !== after.results.length
  );
}

function eventTime(event: LifecycleEvent): string {
  return event.kind === 'result-reported' ? event.result.reportedAt : event.at;
}
