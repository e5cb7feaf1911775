import { portalNotificationsOf, type CorrelationStatus, type StallReason } from '@labsync/contracts';
import type { CorrelationSummary, StoredCorrelation } from '../correlations/correlation.repository';
import { isPublishable, type StallOverlay } from '../lifecycle/correlation-state';

/** HTTP shapes of the operators' API (not the Kafka snapshot, not the table row). */
export interface CorrelationSummaryView {
  correlationId: string;
  partnerId: string | null;
  portalRequestId: string | null;
  status: CorrelationStatus | null;
  labOrderId: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** False while request.submitted has not arrived: lab events are kept but no snapshot is published. */
  published: boolean;
  /** While STALLED: why, since when the lab kept it waiting, when it was marked, and the status it covers. */
  stall: StallOverlay | null;
}

export interface CorrelationView extends CorrelationSummaryView {
  timeline: { seq: number; at: string; status: CorrelationStatus; source: string; detail?: string }[];
  results: {
    seq: number;
    sampleId: string;
    testCode: string;
    resultStatus: string;
    analytes: { name: string; value: number | string; unit: string; flag?: string }[];
    reportedAt: string;
    labEventId: string;
  }[];
  /** What it waits for from the lab (named by the reason it stalls for when overdue) and since when. */
  stallWatch: { reason: StallReason; since: string } | null;
  /** What the partner's portal has acknowledged, and what it still waits for (why not DELIVERED yet). */
  notifications: { total: number; delivered: number; pendingSeqs: number[] };
}

export function toSummaryView({ state, createdAt, updatedAt }: CorrelationSummary): CorrelationSummaryView {
  return {
    correlationId: state.correlationId,
    partnerId: state.partnerId,
    portalRequestId: state.portalRequestId,
    status: state.status,
    labOrderId: state.labOrderId,
    version: state.version,
    createdAt: createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
    published: isPublishable(state),
    stall: state.stall ? { ...state.stall } : null,
  };
}

export function toView(stored: StoredCorrelation): CorrelationView {
  const { state, watch } = stored;
  const summary = toSummaryView(stored);
  const notifications = summary.published ? portalNotificationsOf(state) : [];
  const delivered = new Set(state.deliveredSeqs);
  const pendingSeqs = notifications.filter((n) => !delivered.has(n.seq)).map((n) => n.seq);
  return {
    ...summary,
    timeline: state.timeline.map((t) => ({ seq: t.seq, at: t.at, status: t.status, source: t.source, ...(t.detail !== undefined ? { detail: t.detail } : {}) })),
    results: state.results.map((r) => ({
      seq: r.seq,
      sampleId: r.sampleId,
      testCode: r.testCode,
      resultStatus: r.resultStatus,
      analytes: r.analytes.map((a) => ({ ...a })),
      reportedAt: r.reportedAt,
      labEventId: r.labEventId,
    })),
    stallWatch: watch ? { reason: watch.reason, since: watch.since.toISOString() } : null,
    notifications: { total: notifications.length, delivered: notifications.length - pendingSeqs.length, pendingSeqs },
  };
}
