import { randomUUID } from 'node:crypto';
import { signPayload } from '@labsync/signatures';
import { httpJson, waitFor } from '@labsync/testing';
import { FlowDriver, testRequest, type ReceivedEvent } from './flow-checks';
import { LAB_SECRET, PlatformStack } from './platform-stack';

/**
 * Issue 6: a lab result must match the order, and after DELIVERED only a correction is news. Replayed
 * end to end with the five processes: what the lab is answered, what the partner sees (GET
 * /v1/test-requests/<id> and the callbacks portal-sim received), and what the operator can list.
 */
const OPERATOR_KEY = 'e2e-operator-key-0001';

describe('lab results that do not match the order (security, end to end)', () => {
  const stack = new PlatformStack(47, { labAdapter: { OPERATOR_API_KEY: OPERATOR_KEY } });
  const flow = new FlowDriver(stack);
  let correlationId: string;
  let labOrderId: string;

  const operator = (path: string) => httpJson('GET', `${stack.labAdapter.url}${path}`, undefined, { authorization: `Bearer ${OPERATOR_KEY}` });
  const resultsOf = async () => (await flow.statusOf('acme', correlationId)).body.results as { sampleId: string; testCode: string; resultStatus: string }[];
  const callbacksOf = async (): Promise<ReceivedEvent[]> => (await flow.received()).filter((e) => e.correlationId === correlationId);
  const resultCallbacks = async () => (await callbacksOf()).filter((e) => e.type === 'result.reported');
  const labSimWebhook = async (eventId: string) =>
    (await httpJson<{ webhooks: { eventId: string; outcome: string; attempts: number; lastStatus: number | null; lastError: string | null }[] }>(
      'GET', `${stack.labSim.url}/sim/webhooks?labOrderId=${labOrderId}`,
    )).body.webhooks.find((w) => w.eventId === eventId);
  const reportViaLabSim = (body: Record<string, unknown>) => httpJson<{ eventId: string }>('POST', `${stack.labSim.url}/sim/orders/${labOrderId}/results`, body);

  beforeAll(async () => {
    await stack.start();
    const answer = await flow.submit('acme', testRequest(`PR-SEC-${randomUUID().slice(0, 8)}`));
    expect(answer.status).toBe(202);
    correlationId = answer.body.correlationId;
    await flow.waitForStatus([{ partner: 'acme', correlationId }], 'ACCEPTED_BY_LAB');
    labOrderId = (await flow.labOrders(correlationId))[0]!.labOrderId;
  }, 180_000);

  afterAll(async () => {
    await stack.stop();
  }, 60_000);

  it('answers a result for a test code that was not ordered 422 to the lab; the partner never sees it', async () => {
    // lab-sim checks its own orders (400 on /sim/orders/<id>/results), so this plays a misbehaving LIMS
    // sending the signed webhook itself.
    expect((await reportViaLabSim({ sampleId: 'S-1', testCode: 'COPPER', resultStatus: 'final', analytes: [{ name: 'Cu', value: 1, unit: 'mg/L' }] })).status).toBe(400);
    const stray = {
      eventId: randomUUID(),
      type: 'result.reported',
      occurredAt: new Date().toISOString(),
      data: { labOrderId, sampleId: 'S-1', testCode: 'COPPER', resultStatus: 'final', analytes: [{ name: 'Cu', value: 1, unit: 'mg/L' }], reportedAt: new Date().toISOString() },
    };
    const raw = JSON.stringify(stray);
    const answer = await httpJson('POST', `${stack.labAdapter.url}/v1/lab/events`, raw, { 'x-labsync-signature': signPayload(LAB_SECRET, raw), 'content-type': 'application/json' });
    expect(answer.status).toBe(422);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ status: 422, eventId: stray.eventId, reason: 'test COPPER was not ordered on sample S-1 (ordered: PH, LEAD)' });

    // The lab then works the order as ordered; the request ends DELIVERED without the stray result.
    await flow.labWork([{ labOrderId, externalRef: correlationId, status: 'RECEIVED', postCount: 1 }]);
    await flow.waitForStatus([{ partner: 'acme', correlationId }], 'DELIVERED');
    expect((await resultsOf()).map((r) => `${r.testCode}:${r.resultStatus}`)).toEqual(['PH:preliminary', 'PH:final', 'LEAD:final']);
    expect((await resultCallbacks()).map((e) => (e.body as { data: { testCode: string } }).data.testCode)).not.toContain('COPPER');
    const refused = (await operator(`/v1/operator/refused-lab-events?labOrderId=${labOrderId}`)).body.events;
    expect(refused).toEqual([expect.objectContaining({ eventId: stray.eventId, correlationId, reason: expect.stringContaining('COPPER') })]);
  });

  it('refuses a final result after DELIVERED (lab-sim takes the 422 as final), and delivers a correction once, back to DELIVERED', async () => {
    await waitFor(async () => (await operator(`/v1/operator/lab-orders/${labOrderId}`)).body.correlationStatus?.status === 'DELIVERED', {
      what: 'the lab-adapter to know the request is DELIVERED',
    });
    const callbacksBefore = (await callbacksOf()).length;

    const late = await reportViaLabSim({ sampleId: 'S-1', testCode: 'LEAD', resultStatus: 'final', analytes: [{ name: 'Lead', value: 9.9, unit: 'µg/L' }] });
    expect(late.status).toBe(202);
    const refusedWebhook = await waitFor(async () => {
      const webhook = await labSimWebhook(late.body.eventId);
      return webhook?.outcome !== 'pending' && webhook;
    }, { what: 'lab-sim to get its answer for the late final' });
    expect(refusedWebhook).toMatchObject({ outcome: 'refused', lastStatus: 422, attempts: 1, lastError: expect.stringContaining('already delivered') });

    const correction = await reportViaLabSim({ sampleId: 'S-1', testCode: 'PH', resultStatus: 'corrected', analytes: [{ name: 'pH', value: 7.4, unit: 'pH' }] });
    expect(correction.status).toBe(202);
    await waitFor(async () => {
      const view = (await flow.statusOf('acme', correlationId)).body;
      return view.status === 'DELIVERED' && view.results.some((r: { resultStatus: string }) => r.resultStatus === 'corrected') && view;
    }, { what: 'the correction delivered and the request DELIVERED again', timeoutMs: 60_000 });
    expect((await labSimWebhook(correction.body.eventId))?.outcome).toBe('accepted');
    // The refused final never attempted again, the late final never shown.
    expect((await labSimWebhook(late.body.eventId))?.attempts).toBe(1);
    const view = (await flow.statusOf('acme', correlationId)).body;
    expect(view.results.map((r: { testCode: string; resultStatus: string }) => `${r.testCode}:${r.resultStatus}`)).toEqual(['PH:preliminary', 'PH:final', 'LEAD:final', 'PH:corrected']);
    expect(view.timeline.map((t: { status: string }) => t.status).slice(-3)).toEqual(['DELIVERED', 'COMPLETED', 'DELIVERED']);

    const corrected = (await resultCallbacks()).filter((e) => (e.body as { data: { resultStatus: string } }).data.resultStatus === 'corrected');
    expect(corrected).toHaveLength(1);
    expect(corrected[0]!.deliveries).toBe(1);
    const newCallbacks = (await callbacksOf()).slice(callbacksBefore);
    expect(newCallbacks.map((e) => e.type)).toEqual(['status.changed', 'result.reported']); // COMPLETED (reopened), then the correction
    expect((await resultCallbacks()).filter((e) => (e.body as { data: { testCode: string; resultStatus: string } }).data.testCode === 'LEAD')).toHaveLength(1);
    expect((await operator(`/v1/operator/refused-lab-events?labOrderId=${labOrderId}`)).body.events.map((e: { eventId: string }) => e.eventId)).toContain(late.body.eventId);
  });
});
