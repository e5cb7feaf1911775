import { portalNotificationsOf, type CorrelationStatus, type StallReason } from '@labsync/contracts';
import type { CorrelationRecord } from '../correlations/correlation.entity';

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
  stall: { reason: StallReason; since: string; stalledAt: string; stalledIn: CorrelationStatus } | null;
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

export function toSummaryView(record: CorrelationRecord): CorrelationSummaryView {
  return {
    correlationId: record.correlationId,
    partnerId: record.partnerId,
    portalRequestId: record.portalRequestId,
    status: record.status,
    labOrderId: record.labOrderId,
    version: record.version,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    published: record.partnerId !== null && record.portalRequestId !== null && record.status !== null,
    stall:
      record.stallReason && record.stallSince && record.stalledAt && record.stalledIn
        ? { reason: record.stallReason, since: record.stallSince.toISOString(), stalledAt: record.stalledAt.toISOString(), stalledIn: record.stalledIn }
        : null,
  };
}

export function toView(record: CorrelationRecord): CorrelationView {
  const summary = toSummaryView(record);
  const notifications = summary.published ? portalNotificationsOf(record) : [];
  const delivered = new Set(record.deliveredSeqs);
  const pendingSeqs = notifications.filter((n) => !delivered.has(n.seq)).map((n) => n.seq);
  return {
    ...summary,
    timeline: record.timeline.map((t) => ({ seq: t.seq, at: t.at, status: t.status, source: t.source, ...(t.detail !== undefined ? { detail: t.detail } : {}) })),
    results: record.results.map((r) => ({
      seq: r.seq,
      sampleId: r.sampleId,
      testCode: r.testCode,
      resultStatus: r.resultStatus,
      analytes: r.analytes.map((a) => ({ ...a })),
      reportedAt: r.reportedAt,
      labEventId: r.labEventId,
    })),
    stallWatch: record.watchReason && record.watchSince ? { reason: record.watchReason, since: record.watchSince.toISOString() } : null,
    notifications: { total: notifications.length, delivered: notifications.length - pendingSeqs.length, pendingSeqs },
  };
}
