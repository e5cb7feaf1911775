import { EVENT_ID_HEADER, SIGNATURE_HEADER, verifySignature } from '@labsync/signatures';
import { resultReportedWebhook, serializeWebhook, signedWebhookRequest, statusChangedWebhook } from './webhook-body';

const SECRET = 'lab-webhook-secret-for-tests';
const EVENT_ID = '0b7f4a4e-8d0c-4f0e-9a57-3c1d1f0e2a11';

describe('lab webhook body', () => {
  it('is the contract shape for a status change', () => {
    const body = statusChangedWebhook(EVENT_ID, '2026-11-20T10:00:00.000Z', { labOrderId: 'LO-ABCDEFGH', externalRef: 'corr-1', status: 'IN_PROGRESS' });
    expect(JSON.parse(serializeWebhook(body))).toEqual({
      eventId: EVENT_ID,
      type: 'order.status-changed',
      occurredAt: '2026-11-20T10:00:00.000Z',
      data: { labOrderId: 'LO-ABCDEFGH', externalRef: 'corr-1', status: 'IN_PROGRESS' },
    });
  });

  it('is the contract shape for a result, whatever order its keys came back from the database in', () => {
    const body = resultReportedWebhook(EVENT_ID, '2026-11-20T10:00:00.000Z', {
      labOrderId: 'LO-ABCDEFGH',
      externalRef: 'corr-1',
      sampleId: 'S-1',
      testCode: 'LEAD',
      resultStatus: 'final',
      analytes: [{ name: 'Lead', value: 16.2, unit: 'µg/L', flag: 'H' }],
      reportedAt: '2026-11-20T09:59:00.000Z',
    });
    const shuffled = JSON.parse(JSON.stringify({ data: { ...body.data, analytes: [{ unit: 'µg/L', flag: 'H', value: 16.2, name: 'Lead' }] }, occurredAt: body.occurredAt, type: body.type, eventId: body.eventId }));
    const text = serializeWebhook(shuffled);
    expect(text).toBe(serializeWebhook(body));
    expect(text.indexOf('"eventId"')).toBeLessThan(text.indexOf('"data"'));
    expect(JSON.parse(text).data).toEqual({
      labOrderId: 'LO-ABCDEFGH',
      externalRef: 'corr-1',
      sampleId: 'S-1',
      testCode: 'LEAD',
      resultStatus: 'final',
      analytes: [{ name: 'Lead', value: 16.2, unit: 'µg/L', flag: 'H' }],
      reportedAt: '2026-11-20T09:59:00.000Z',
    });
  });

  it('is signed over the exact body it sends, with the event id beside it', () => {
    const body = statusChangedWebhook(EVENT_ID, new Date().toISOString(), { labOrderId: 'LO-ABCDEFGH', externalRef: 'corr-1', status: 'COMPLETED' });
    const request = signedWebhookRequest(body, SECRET);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers[EVENT_ID_HEADER]).toBe(EVENT_ID);
    expect(verifySignature(request.headers[SIGNATURE_HEADER], SECRET, request.rawBody)).toMatchObject({ valid: true });
    expect(verifySignature(request.headers[SIGNATURE_HEADER], 'another-secret-entirely', request.rawBody)).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifySignature(request.headers[SIGNATURE_HEADER], SECRET, request.rawBody.replace('COMPLETED', 'CANCELLED'))).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('carries the signing time, so an old capture is refused', () => {
    const body = statusChangedWebhook(EVENT_ID, new Date().toISOString(), { labOrderId: 'LO-ABCDEFGH', externalRef: 'corr-1', status: 'COMPLETED' });
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    const request = signedWebhookRequest(body, SECRET, tenMinutesAgo);
    expect(verifySignature(request.headers[SIGNATURE_HEADER], SECRET, request.rawBody)).toEqual({ valid: false, reason: 'stale' });
  });
});
