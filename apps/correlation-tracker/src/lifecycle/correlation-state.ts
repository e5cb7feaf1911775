import type { Analyte, CorrelationStatus, LabOrderStatus, ResultStatus, StallReason } from '@labsync/contracts';

/** Who caused a timeline entry. */
export type TimelineSource = 'portal' | 'labsync' | 'lab';

export interface TimelineEntry {
  seq: number;
  at: string;
  status: CorrelationStatus;
  source: TimelineSource;
  detail?: string;
  /** The lab's reasons, on a REJECTED_BY_LAB entry. */
  reasons?: string[];
}

export interface RecordedResult {
  seq: number;
  sampleId: string;
  testCode: string;
  resultStatus: ResultStatus;
  analytes: Analyte[];
  reportedAt: string;
  labEventId: string;
}

/**
 * STALLED is an overlay, not a rank: it sits on top of the status the correlation was waiting in, progress
 * is still ranked from that status, and the lab's next news (a status that ranks higher, or a new result)
 * lifts the overlay.
 */
export interface StallOverlay {
  reason: StallReason;
  /** When the wait began (ISO). */
  since: string;
  stalledAt: string;
  /** The status STALLED overlays. */
  stalledIn: CorrelationStatus;
}

/**
 * Everything the tracker knows about one correlation. `partnerId`/`portalRequestId` stay null until
 * request.submitted arrives (lab events may overtake it); `status` stays null until the first event
 * that carries a status.
 */
export interface CorrelationState {
  correlationId: string;
  partnerId: string | null;
  portalRequestId: string | null;
  status: CorrelationStatus | null;
  labOrderId: string | null;
  /** Grows by one with every change of the published snapshot. */
  version: number;
  /** Next value of the per-correlation counter shared by timeline entries and results. */
  nextSeq: number;
  timeline: TimelineEntry[];
  results: RecordedResult[];
  /** Seqs of notifications the partner's portal acknowledged (kept sorted). */
  deliveredSeqs: number[];
  /** Set exactly while `status` is STALLED. */
  stall: StallOverlay | null;
}

/** The lifecycle events the machine understands; the consumer maps each Kafka payload to one of these. */
export type LifecycleEvent =
  | { kind: 'request-submitted'; at: string; partnerId: string; portalRequestId: string }
  | { kind: 'order-dispatched'; at: string }
  | { kind: 'order-accepted'; at: string; labOrderId: string }
  | { kind: 'order-rejected'; at: string; reasons: string[] }
  | { kind: 'lab-status-changed'; at: string; labOrderId: string; labStatus: LabOrderStatus }
  | {
      kind: 'result-reported';
      labOrderId: string;
      labEventId: string;
      result: { sampleId: string; testCode: string; resultStatus: ResultStatus; analytes: Analyte[]; reportedAt: string };
    }
  | { kind: 'delivery-succeeded'; at: string; seq: number }
  /** The stall sweeper found the wait for the lab overdue (`at` is when, by the tracker's database clock). */
  | { kind: 'stall-detected'; at: string; reason: StallReason; since: string };

export type LifecycleEventKind = LifecycleEvent['kind'];

export function initialState(correlationId: string): CorrelationState {
  return {
    correlationId,
    partnerId: null,
    portalRequestId: null,
    status: null,
    labOrderId: null,
    version: 0,
    nextSeq: 1,
    timeline: [],
    results: [],
    deliveredSeqs: [],
    stall: null,
  };
}

/** A snapshot may be published only once the contract's required identity fields are known. */
export function isPublishable<S extends Pick<CorrelationState, 'partnerId' | 'portalRequestId' | 'status'>>(state: S): state is S & { partnerId: string; portalRequestId: string; status: CorrelationStatus } {
  return state.partnerId !== null && state.portalRequestId !== null && state.status !== null;
}
