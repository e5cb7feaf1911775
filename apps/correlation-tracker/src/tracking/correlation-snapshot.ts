import type { CorrelationSnapshot } from '@labsync/contracts';
import type { CorrelationState } from '../lifecycle/correlation-state';

type PublishableState = CorrelationState & { partnerId: string; portalRequestId: string; status: NonNullable<CorrelationState['status']> };

/** The machine's state -> the `labsync.correlation.status.v1` payload (the read model others consume). */
export function toSnapshot(state: PublishableState, updatedAt: Date): CorrelationSnapshot {
  return {
    correlationId: state.correlationId,
    partnerId: state.partnerId,
    portalRequestId: state.portalRequestId,
    status: state.status,
    labOrderId: state.labOrderId,
    version: state.version,
    updatedAt: updatedAt.toISOString(),
    timeline: state.timeline.map((t) => ({
      seq: t.seq,
      at: t.at,
      status: t.status,
      source: t.source,
      ...(t.detail !== undefined ? { detail: t.detail } : {}),
      ...(t.reasons !== undefined ? { reasons: t.reasons } : {}),
    })),
    results: state.results.map((r) => ({
      seq: r.seq,
      sampleId: r.sampleId,
      testCode: r.testCode,
      resultStatus: r.resultStatus,
      analytes: r.analytes,
      reportedAt: r.reportedAt,
      labEventId: r.labEventId,
    })),
  };
}
