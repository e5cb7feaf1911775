import { classifyLabCall } from './dispatch-outcome';

const response = (status: number, body?: unknown) => classifyLabCall({ kind: 'response', status, body });

describe('classifyLabCall (lab answer -> dispatcher action)', () => {
  it('accepts 201 and 200 with a labOrderId (200 is the lab returning the order it already has)', () => {
    expect(response(201, { labOrderId: 'LO-1' })).toEqual({ action: 'accept', outcome: 'accepted', labOrderId: 'LO-1' });
    expect(response(200, { labOrderId: 'LO-1', status: 'RECEIVED' })).toEqual({ action: 'accept', outcome: 'accepted', labOrderId: 'LO-1' });
  });

  it('retries a 2xx it cannot read rather than inventing an order id', () => {
    expect(response(201, {})).toMatchObject({ action: 'retry', outcome: 'unexpected' });
    expect(response(201, 'created')).toMatchObject({ action: 'retry', outcome: 'unexpected' });
    expect(response(200, { labOrderId: '' })).toMatchObject({ action: 'retry' });
  });

  it("rejects on 422 with the lab's reasons, word for word", () => {
    expect(response(422, { reasons: ['unknown test code "XYZ"', 'sample S-2: matrix not accepted'] })).toEqual({
      action: 'reject',
      outcome: 'rejected',
      reasons: ['unknown test code "XYZ"', 'sample S-2: matrix not accepted'],
    });
  });

  it('rejects on 422 even without usable reasons, and says so', () => {
    expect(response(422, {})).toEqual({ action: 'reject', outcome: 'rejected', reasons: ['the lab rejected the order (422) without giving reasons'] });
    expect(response(422, { reasons: [], detail: 'customer blocked' })).toMatchObject({ reasons: ['the lab rejected the order: customer blocked'] });
    expect(response(422, { reasons: [{ code: 'X' }] })).toMatchObject({ reasons: ['{"code":"X"}'] });
  });

  it("rejects on 400 as a malformed request, quoting the lab's message", () => {
    const action = response(400, { title: 'Bad Request', detail: 'samples: at least one sample is required' });
    expect(action).toEqual({
      action: 'reject',
      outcome: 'malformed',
      reasons: ['the lab refused the request as malformed (400): samples: at least one sample is required'],
    });
    expect(response(400, { message: 'bad', errors: [{ path: '/samples/0/tests', message: 'required' }] })).toMatchObject({
      reasons: ['the lab refused the request as malformed (400): bad — /samples/0/tests: required'],
    });
    expect(response(400, 'nope')).toMatchObject({ reasons: ['the lab refused the request as malformed (400): nope'] });
    expect(response(400)).toMatchObject({ reasons: ['the lab refused the request as malformed (400)'] });
  });

  it.each([500, 502, 503, 504, 429, 408])('retries a %i (the lab is unwell, not saying no)', (status) => {
    expect(response(status, { error: 'later' })).toMatchObject({ action: 'retry', outcome: 'lab_error' });
  });

  it.each([301, 401, 403, 404, 409])('retries a %i too: it is not a verdict on the order', (status) => {
    expect(response(status)).toMatchObject({ action: 'retry', outcome: 'unexpected', error: expect.stringContaining(String(status)) });
  });

  it('retries timeouts and refused connections', () => {
    expect(classifyLabCall({ kind: 'timeout', timeoutMs: 10000 })).toEqual({
      action: 'retry',
      outcome: 'timeout',
      error: 'the lab did not answer within 10000 ms',
    });
    expect(classifyLabCall({ kind: 'unreachable', message: 'ECONNREFUSED connect ECONNREFUSED 127.0.0.1:4001' })).toMatchObject({
      action: 'retry',
      outcome: 'unreachable',
      error: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('keeps reasons short enough to store and publish', () => {
    const [reason] = (response(422, { reasons: ['x'.repeat(5000)] }) as { reasons: string[] }).reasons;
    expect(reason!.length).toBeLessThanOrEqual(1000);
  });
});
