import { createHash } from 'node:crypto';
import type { CorrelationSnapshot } from './events/correlation-status';
import type { Analyte } from './model/results';
import type { CorrelationStatus, ResultStatus } from './model/statuses';

/**
 * What the partner's portal is told about a correlation, in order. Both the correlation-tracker (to know
 * when everything reached the portal, i.e. DELIVERED) and the portal-adapter (to send callbacks) derive
 * the list from the same snapshot with this function, so they can never disagree about it.
 *
 * RECEIVED is not sent (the partner got it in the 202 answer) and DELIVERED is not sent (it is labsync's
 * own record that the portal was told everything).
 *
 * STALLED is sent, with its reason in `detail` (`lab-acceptance-overdue: ...` or `results-overdue: ...`):
 * it is a contract status the partner also sees on GET /v1/test-requests/<id>, so callbacks and the status
 * resource agree, and a partner with its own SLA learns that the lab is late. When the lab's next news
 * lifts it, the status reached is sent as the next `status.changed` (possibly the one from before the
 * stall, e.g. RESULTS_PARTIAL again after a new result).
 */
export type PortalNotification =
  | {
      notificationId: string;
      seq: number;
      type: 'status.changed';
      occurredAt: string;
      data: { status: CorrelationStatus; detail?: string };
    }
  | {
      notificationId: string;
      seq: number;
      type: 'result.reported';
      occurredAt: string;
      data: { sampleId: string; testCode: string; resultStatus: ResultStatus; analytes: Analyte[] };
    };

const SILENT_STATUSES: ReadonlySet<CorrelationStatus> = new Set(['RECEIVED', 'DELIVERED']);

export function portalNotificationsOf(snapshot: Pick<CorrelationSnapshot, 'correlationId' | 'timeline' | 'results'>): PortalNotification[] {
  const notifications: PortalNotification[] = [];
  for (const entry of snapshot.timeline) {
    if (SILENT_STATUSES.has(entry.status)) continue;
    notifications.push({
      notificationId: notificationIdFor(snapshot.correlationId, entry.seq),
      seq: entry.seq,
      type: 'status.changed',
      occurredAt: entry.at,
      data: entry.detail ? { status: entry.status, detail: entry.detail } : { status: entry.status },
    });
  }
  for (const result of snapshot.results) {
    notifications.push({
      notificationId: notificationIdFor(snapshot.correlationId, result.seq),
      seq: result.seq,
      type: 'result.reported',
      occurredAt: result.reportedAt,
      data: {
        sampleId: result.sampleId,
        testCode: result.testCode,
        resultStatus: result.resultStatus,
        analytes: result.analytes,
      },
    });
  }
  return notifications.sort((a, b) => a.seq - b.seq);
}

/**
 * A stable, name-based UUID (RFC 9562 version 5 layout over SHA-1) for the notification at `seq` of a
 * correlation: re-deriving it after a crash or a replay gives the same id, which is what makes delivery
 * idempotent at the portal.
 */
export function notificationIdFor(correlationId: string, seq: number): string {
  const hash = createHash('sha1').update(`labsync-notification:${correlationId}:${seq}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
