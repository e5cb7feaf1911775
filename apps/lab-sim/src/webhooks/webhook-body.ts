import type { Analyte, LabOrderStatus, ResultStatus } from '@labsync/contracts';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signPayload } from '@labsync/signatures';

export interface StatusChangedData {
  labOrderId: string;
  /** The caller's reference (extension to the contract): lets a receiver match a webhook that overtook the order's creation answer. */
  externalRef: string;
  status: LabOrderStatus;
}

export interface ResultReportedData {
  labOrderId: string;
  externalRef: string;
  sampleId: string;
  testCode: string;
  resultStatus: ResultStatus;
  analytes: Analyte[];
  reportedAt: string;
}

export type LabWebhookBody =
  | { eventId: string; type: 'order.status-changed'; occurredAt: string; data: StatusChangedData }
  | { eventId: string; type: 'result.reported'; occurredAt: string; data: ResultReportedData };

export function statusChangedWebhook(eventId: string, occurredAt: string, data: StatusChangedData): LabWebhookBody {
  return { eventId, type: 'order.status-changed', occurredAt, data };
}

export function resultReportedWebhook(eventId: string, occurredAt: string, data: ResultReportedData): LabWebhookBody {
  return { eventId, type: 'result.reported', occurredAt, data };
}

/**
 * The exact text sent. Keys are written in a fixed, readable order (Postgres jsonb does not keep the order
 * they were stored in); the signature is computed over this very string.
 */
export function serializeWebhook(body: LabWebhookBody): string {
  if (body.type === 'order.status-changed') {
    const { labOrderId, externalRef, status } = body.data;
    return JSON.stringify({ eventId: body.eventId, type: body.type, occurredAt: body.occurredAt, data: { labOrderId, externalRef, status } });
  }
  const { labOrderId, externalRef, sampleId, testCode, resultStatus, analytes, reportedAt } = body.data;
  return JSON.stringify({
    eventId: body.eventId,
    type: body.type,
    occurredAt: body.occurredAt,
    data: {
      labOrderId,
      externalRef,
      sampleId,
      testCode,
      resultStatus,
      analytes: analytes.map(({ name, value, unit, flag }) => (flag === undefined ? { name, value, unit } : { name, value, unit, flag })),
      reportedAt,
    },
  });
}

export interface SignedWebhookRequest {
  rawBody: string;
  headers: Record<string, string>;
}

/** Body and headers of one delivery attempt, signed now (a signature older than 5 minutes is refused). */
export function signedWebhookRequest(body: LabWebhookBody, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): SignedWebhookRequest {
  const rawBody = serializeWebhook(body);
  return {
    rawBody,
    headers: {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signPayload(secret, rawBody, nowSeconds),
      [EVENT_ID_HEADER]: body.eventId,
    },
  };
}
