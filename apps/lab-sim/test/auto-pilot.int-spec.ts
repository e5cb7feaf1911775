import { startService, type RunningService } from '@labsync/service-runtime';
import { dropSchemas, httpJson, sql, standInTestEnv, uniqueSchema, waitFor } from '@labsync/testing';
import { labSimService } from '../src/lab-sim.definition';
import { WebhookReceiver } from './webhook-receiver';

const SECRET = 'lab-sim-auto-pilot-webhook-secret';

describe('lab-sim auto-pilot (LAB_SIM_AUTO=1)', () => {
  const schema = uniqueSchema('labsim_auto');
  const receiver = new WebhookReceiver(SECRET);
  let lab: RunningService | null = null;

  const start = async (stepMs: number) =>
    startService(
      labSimService,
      await standInTestEnv(schema, 'warn', { LAB_WEBHOOK_URL: receiver.url, LAB_WEBHOOK_SECRET: SECRET, LAB_SIM_AUTO: '1', LAB_SIM_AUTO_STEP_MS: String(stepMs) }),
    );

  const placeOrder = async (externalRef: string) => {
    const response = await httpJson('POST', `${lab!.url}/api/orders`, {
      externalRef,
      customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
      priority: 'rush',
      samples: [
        { sampleId: 'S-1', matrix: 'water', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH', 'LEAD'] },
        { sampleId: 'S-2', matrix: 'water', collectedAt: '2026-11-20T08:00:00Z', tests: ['NITRATE'] },
      ],
    });
    expect(response.status).toBe(201);
    return response.body.labOrderId as string;
  };

  beforeAll(async () => {
    await receiver.start();
  });

  afterAll(async () => {
    await lab?.close();
    await receiver.stop();
    await dropSchemas([schema]);
  });

  it('works a new order to COMPLETED on its own, with results and webhooks in order', async () => {
    lab = await start(40);
    const labOrderId = await placeOrder(`auto-1-${schema}`);
    const order = await waitFor(
      async () => {
        const { body } = await httpJson('GET', `${lab!.url}/api/orders/${labOrderId}`);
        return body.status === 'COMPLETED' ? body : undefined;
      },
      { timeoutMs: 15000, what: 'the order to be COMPLETED' },
    );
    expect(order.results.map((r: { sampleId: string; testCode: string; resultStatus: string }) => `${r.sampleId}/${r.testCode}/${r.resultStatus}`)).toEqual([
      'S-1/PH/preliminary',
      'S-1/LEAD/preliminary',
      'S-2/NITRATE/preliminary',
      'S-1/PH/final',
      'S-1/LEAD/final',
      'S-2/NITRATE/final',
    ]);
    const nitrate = order.results.find((r: { testCode: string; resultStatus: string }) => r.testCode === 'NITRATE' && r.resultStatus === 'final');
    expect(nitrate.analytes).toEqual([
      { name: 'Nitrate (as N)', value: expect.any(Number), unit: 'mg/L', ...(nitrate.analytes[0].flag ? { flag: 'H' } : {}) },
      { name: 'Nitrite (as N)', value: expect.any(Number), unit: 'mg/L', ...(nitrate.analytes[1].flag ? { flag: 'H' } : {}) },
    ]);

    const webhooks = await waitFor(() => receiver.accepted(labOrderId).length >= 8 && receiver.accepted(labOrderId), { timeoutMs: 10000, what: 'eight webhooks' });
    expect(webhooks.every((w) => w.signatureValid)).toBe(true);
    expect(webhooks.map((w) => (w.type === 'order.status-changed' ? w.data['status'] : `${w.data['testCode']}/${w.data['resultStatus']}`))).toEqual([
      'IN_PROGRESS',
      'PH/preliminary',
      'LEAD/preliminary',
      'NITRATE/preliminary',
      'PH/final',
      'LEAD/final',
      'NITRATE/final',
      'COMPLETED',
    ]);
  });

  it('carries on after a restart, from where the database says it was', async () => {
    await lab!.close();
    lab = await start(300);
    const labOrderId = await placeOrder(`auto-2-${schema}`);
    await waitFor(() => receiver.accepted(labOrderId).length >= 1, { timeoutMs: 10000, what: 'the first auto-pilot step' });
    await lab.close();
    const seenBeforeRestart = receiver.accepted(labOrderId).length;
    expect(seenBeforeRestart).toBeLessThan(8);

    lab = await start(30);
    const order = await waitFor(
      async () => {
        const { body } = await httpJson('GET', `${lab!.url}/api/orders/${labOrderId}`);
        return body.status === 'COMPLETED' ? body : undefined;
      },
      { timeoutMs: 15000, what: 'the order to be COMPLETED after the restart' },
    );
    expect(order.results).toHaveLength(6);
    const webhooks = await waitFor(() => receiver.accepted(labOrderId).length >= 8 && receiver.accepted(labOrderId), { timeoutMs: 10000, what: 'all eight webhooks' });
    expect(new Set(webhooks.map((w) => w.eventId)).size).toBe(8);
    expect(webhooks[0]!.data['status']).toBe('IN_PROGRESS');
    expect(webhooks.at(-1)!.data['status']).toBe('COMPLETED');
  });

  it('stops working an order that was cancelled by hand', async () => {
    await lab!.close();
    lab = await start(200);
    const labOrderId = await placeOrder(`auto-3-${schema}`);
    await waitFor(() => receiver.accepted(labOrderId).length >= 1, { timeoutMs: 10000, what: 'IN_PROGRESS' });
    expect((await httpJson('POST', `${lab.url}/sim/orders/${labOrderId}/status`, { status: 'CANCELLED' })).status).toBe(202);
    await waitFor(() => receiver.accepted(labOrderId).some((w) => w.data['status'] === 'CANCELLED'), { timeoutMs: 10000, what: 'CANCELLED' });
    // Once the auto-pilot has looked at the order again, it has taken it off its schedule.
    await waitFor(async () => {
      const { body } = await httpJson('GET', `${lab!.url}/sim/orders?externalRef=${encodeURIComponent(`auto-3-${schema}`)}`);
      const rows = await sql<{ next_auto_step_at: Date | null }>(`SELECT next_auto_step_at FROM "${schema}".lab_orders WHERE lab_order_id = $1`, [labOrderId]);
      return body.orders[0].status === 'CANCELLED' && rows[0]!.next_auto_step_at === null;
    }, { timeoutMs: 10000, what: 'the auto-pilot to let the order go' });
    const after = receiver.accepted(labOrderId);
    expect(after.at(-1)!.data['status']).toBe('CANCELLED');
    expect(after.filter((w) => w.data['status'] === 'COMPLETED')).toEqual([]);
  });
});
