import { fieldErrorsOf } from '@labsync/service-runtime';
import { LabWebhookSchema } from './lab-webhook.schema';

const statusChanged = {
  eventId: '6f1c1b0e-3a4b-4c5d-8e9f-0a1b2c3d4e5f',
  type: 'order.status-changed',
  occurredAt: '2026-11-20T10:00:00Z',
  data: { labOrderId: 'LO-1', status: 'IN_PROGRESS' },
};
const resultReported = {
  eventId: '7a2d2c1f-4b5c-4d6e-9fa0-1b2c3d4e5f60',
  type: 'result.reported',
  occurredAt: '2026-11-20T11:00:00Z',
  data: {
    labOrderId: 'LO-1',
    sampleId: 'S-1',
    testCode: 'PH',
    resultStatus: 'preliminary',
    analytes: [{ name: 'pH', value: 7.1, unit: 'pH' }, { name: 'Lead', value: '<0.001', unit: 'mg/L', flag: 'ND' }],
    reportedAt: '2026-11-20T11:00:00Z',
  },
};

const pathsOf = (body: unknown) => {
  const result = LabWebhookSchema.safeParse(body);
  if (result.success) throw new Error('expected the body to be invalid');
  return fieldErrorsOf(result.error).map((e) => e.path);
};

describe('LabWebhookSchema (body of POST /v1/lab/events)', () => {
  it('accepts an order status change and a result report', () => {
    expect(LabWebhookSchema.parse(statusChanged)).toEqual(statusChanged);
    expect(LabWebhookSchema.parse(resultReported)).toEqual(resultReported);
  });

  it.each(['RECEIVED', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED'])('accepts lab status %s', (status) => {
    expect(LabWebhookSchema.safeParse({ ...statusChanged, data: { labOrderId: 'LO-1', status } }).success).toBe(true);
  });

  it.each(['preliminary', 'final', 'corrected'])('accepts result status %s', (resultStatus) => {
    expect(LabWebhookSchema.safeParse({ ...resultReported, data: { ...resultReported.data, resultStatus } }).success).toBe(true);
  });

  it('names the fields that are wrong', () => {
    expect(pathsOf({ ...statusChanged, eventId: 'not-a-uuid', occurredAt: 'yesterday' }).sort()).toEqual(['/eventId', '/occurredAt']);
    expect(pathsOf({ ...statusChanged, data: { labOrderId: '', status: 'DONE' } }).sort()).toEqual(['/data/labOrderId', '/data/status']);
    expect(pathsOf({ ...resultReported, data: { ...resultReported.data, resultStatus: 'draft', analytes: [{ name: 'pH', unit: 'pH' }] } }).sort()).toEqual([
      '/data/analytes/0/value',
      '/data/resultStatus',
    ]);
    expect(pathsOf({ ...resultReported, data: { labOrderId: 'LO-1' } })).toEqual(
      expect.arrayContaining(['/data/sampleId', '/data/testCode', '/data/resultStatus', '/data/analytes', '/data/reportedAt']),
    );
  });

  it('refuses unknown event types and a body that is not an object', () => {
    expect(pathsOf({ ...statusChanged, type: 'order.deleted' })).toEqual(['/type']);
    expect(pathsOf([])).toEqual(['/']);
    expect(pathsOf('hello')).toEqual(['/']);
  });

  it('does not accept result fields on a status change or a status on a result (the type decides the data)', () => {
    expect(pathsOf({ ...statusChanged, type: 'result.reported' })).toEqual(expect.arrayContaining(['/data/sampleId']));
    expect(pathsOf({ ...resultReported, type: 'order.status-changed' })).toEqual(['/data/status']);
  });

  it('refuses text Postgres cannot store (U+0000, unpaired surrogates) in every text field, at its path', () => {
    const errorsOf = (body: unknown) => {
      const result = LabWebhookSchema.safeParse(body);
      if (result.success) throw new Error('expected the body to be invalid');
      return fieldErrorsOf(result.error);
    };
    const unstorable = 'must not contain U+0000 or unpaired UTF-16 surrogates';
    expect(errorsOf({ ...statusChanged, data: { ...statusChanged.data, labOrderId: 'LO-\u0000' } })).toEqual([{ path: '/data/labOrderId', message: unstorable }]);
    const analytes = [{ name: 'Le\ud800ad', value: '<0.001\u0000', unit: 'mg/\udc00L', flag: '\u0000' }, { name: 'pH', value: 7.1, unit: 'pH' }];
    const data = { ...resultReported.data, labOrderId: '\udc00', sampleId: 'S-\u0000', testCode: 'P\ud800H', analytes };
    expect(errorsOf({ ...resultReported, data })).toEqual(
      ['/data/sampleId', '/data/testCode', '/data/analytes/0/name', '/data/analytes/0/value', '/data/analytes/0/unit', '/data/analytes/0/flag', '/data/labOrderId'].map(
        (path) => ({ path, message: path.endsWith('/value') ? `must be a number, or text of at most 200 characters that ${unstorable}` : unstorable }),
      ),
    );
  });
});
