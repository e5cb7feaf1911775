import { CorrelationStatusChanged, type CorrelationSnapshot, type CorrelationStatus, type RecordedResult, type TimelineEntry } from '@labsync/contracts';

/** One step of a correlation's life: a status (with the lab order id once the lab accepted) or a result. */
export type Step = { status: CorrelationStatus; source: TimelineEntry['source']; labOrderId?: string } | { result: Omit<RecordedResult, 'seq' | 'reportedAt'> };

/** Cumulative snapshots, as the correlation-tracker publishes them: version k holds the first k steps. */
export function snapshotsOf(correlationId: string, partnerId: string, portalRequestId: string, steps: Step[]): CorrelationSnapshot[] {
  const start = Date.parse('2026-11-20T08:00:00Z');
  const at = (seq: number) => new Date(start + seq * 60_000).toISOString();
  return steps.map((_, index) => {
    const timeline: TimelineEntry[] = [];
    const results: RecordedResult[] = [];
    let labOrderId: string | null = null;
    steps.slice(0, index + 1).forEach((step, i) => {
      const seq = i + 1;
      if ('result' in step) results.push({ ...step.result, seq, reportedAt: at(seq) });
      else {
        timeline.push({ seq, at: at(seq), status: step.status, source: step.source });
        labOrderId = step.labOrderId ?? labOrderId;
      }
    });
    return CorrelationStatusChanged.payload.parse({
      correlationId,
      partnerId,
      portalRequestId,
      status: timeline[timeline.length - 1]!.status,
      labOrderId,
      version: index + 1,
      updatedAt: at(index + 1),
      timeline,
      results,
    });
  });
}

/** A whole lifecycle: dispatched, accepted, in progress, a preliminary and a final result, completed. */
export const LIFECYCLE: Step[] = [
  { status: 'RECEIVED', source: 'portal' },
  { status: 'DISPATCHED', source: 'labsync' },
  { status: 'ACCEPTED_BY_LAB', source: 'lab', labOrderId: 'L-1001' },
  { status: 'IN_PROGRESS', source: 'lab' },
  { result: { sampleId: 'S-1', testCode: 'PH', resultStatus: 'preliminary', analytes: [{ name: 'pH', value: 7.1, unit: '' }], labEventId: 'lab-e-1' } },
  { status: 'RESULTS_PARTIAL', source: 'labsync' },
  { result: { sampleId: 'S-1', testCode: 'PH', resultStatus: 'final', analytes: [{ name: 'pH', value: 7.2, unit: '', flag: 'N' }], labEventId: 'lab-e-2' } },
  { status: 'COMPLETED', source: 'lab' },
];
/** RECEIVED (seq 1) is never sent to the portal. */
export const NOTIFIED_SEQS = [2, 3, 4, 5, 6, 7, 8];
