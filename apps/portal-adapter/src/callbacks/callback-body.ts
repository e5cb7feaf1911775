import type { CorrelationSnapshot, PortalNotification } from '@labsync/contracts';

type StatusChanged = Extract<PortalNotification, { type: 'status.changed' }>;
type ResultReported = Extract<PortalNotification, { type: 'result.reported' }>;

interface CallbackHead {
  eventId: string;
  correlationId: string;
  portalRequestId: string;
  occurredAt: string;
}

/** What a partner's portal receives (the contract's callback body), one per notification. */
export type PartnerCallbackBody =
  | (CallbackHead & { type: 'status.changed'; data: StatusChanged['data'] })
  | (CallbackHead & { type: 'result.reported'; data: ResultReported['data'] });

/** portalNotificationsOf(snapshot) item -> callback body. */
export function callbackBodyOf(
  snapshot: Pick<CorrelationSnapshot, 'correlationId' | 'portalRequestId'>,
  notification: PortalNotification,
): PartnerCallbackBody {
  const head: CallbackHead = {
    eventId: notification.notificationId,
    correlationId: snapshot.correlationId,
    portalRequestId: snapshot.portalRequestId,
    occurredAt: notification.occurredAt,
  };
  return notification.type === 'status.changed'
    ? { ...head, type: notification.type, data: notification.data }
    : { ...head, type: notification.type, data: notification.data };
}

/**
 * The exact string POSTed (and signed). Built field by field in the contract's order: the body is kept in a
 * jsonb column, which does not preserve key order, and partners reading the raw JSON deserve a stable one.
 */
export function serializeCallbackBody(body: PartnerCallbackBody): string {
  const data =
    body.type === 'status.changed'
      ? { status: body.data.status, ...(body.data.detail !== undefined ? { detail: body.data.detail } : {}) }
      : {
          sampleId: body.data.sampleId,
          testCode: body.data.testCode,
          resultStatus: body.data.resultStatus,
          analytes: body.data.analytes.map((a) => ({ name: a.name, value: a.value, unit: a.unit, ...(a.flag !== undefined ? { flag: a.flag } : {}) })),
        };
  return JSON.stringify({
    eventId: body.eventId,
    type: body.type,
    correlationId: body.correlationId,
    portalRequestId: body.portalRequestId,
    occurredAt: body.occurredAt,
    data,
  });
}
