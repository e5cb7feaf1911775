import { httpJson, sql, waitFor } from '@labsync/testing';
import { FlowDriver, LAB_WORK_SEQUENCE, type AcknowledgedRequest, type LabOrder } from './flow-checks';
import { PlatformStack } from './platform-stack';

/**
 * Labs without webhooks, end to end: the five apps as real processes, lab-sim with its webhooks off
 * (LAB_SIM_WEBHOOKS=0), the lab-adapter polling lab-sim's change feed (LAB_EVENTS_MODE=polling). The same
 * lab work as in webhook mode must reach the portal as the same events, once each and in order; the
 * watermark must survive a crash of the lab-adapter; a change that arrives both ways is stored once.
 * The tests run in order on one stack: each phase reconfigures it (restarts) for the next.
 */
const BATCH = 20;
const POLL_INTERVAL_MS = 250;

interface PortalEvent {
  eventId: string;
  type: string;
  correlationId: string;
  deliveries: number;
  firstReceivedAt: string;
  body: { data: Record<string, unknown> };
}

describe('labs without webhooks: the lab-adapter polls the lab change feed (five processes, real Kafka and Postgres)', () => {
  // Small pools: the database is shared with the other suites running at the same time.
  const pool = { DB_POOL_SIZE: '3' };
  const stack = new PlatformStack(40, {
    portalSim: pool,
    portalAdapter: pool,
    tracker: pool,
    labSim: { ...pool, LAB_SIM_WEBHOOKS: '0' },
    labAdapter: { ...pool, LAB_EVENTS_MODE: 'polling', LAB_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS) },
  });
  const flow = new FlowDriver(stack);
  const latencies: Record<string, number[]> = {};

  const portalEvents = async (ids: Set<string>) =>
    (await httpJson<{ events: PortalEvent[] }>('GET', `${stack.portalSim.url}/sim/received`)).body.events.filter((e) => ids.has(e.correlationId));
  /** What the portal saw per request, without the ids: the same lab work must give the same list in either mode. */
  const portalView = async (requests: AcknowledgedRequest[]) => {
    const events = await portalEvents(new Set(requests.map((r) => r.correlationId)));
    return requests.map((r) => events.filter((e) => e.correlationId === r.correlationId).map((e) => ({ type: e.type, data: e.body.data })));
  };
  const labDoes = async (labOrderId: string, kind: 'status' | 'results', body: unknown) => {
    const answer = await httpJson('POST', `${stack.labSim.url}/sim/orders/${labOrderId}/${kind}`, body);
    if (answer.status !== 202) throw new Error(`lab-sim answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  };
  const webhookAttempts = async () => {
    const { body } = await httpJson<{ webhooks: { attempts: number; deliveredAt: string | null; lastStatus: number | null }[] }>('GET', `${stack.labSim.url}/sim/webhooks?limit=1000`);
    return body.webhooks;
  };
  const inboxCount = async (labOrderIds: string[]) =>
    Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${stack.schemas.labAdapter}".lab_inbox WHERE lab_order_id = ANY($1::text[])`, [labOrderIds]))[0]!.n);
  const watermark = async () =>
    (await sql<{ cursor: string | null; changes_stored: string }>(`SELECT cursor, changes_stored FROM "${stack.schemas.labAdapter}".lab_poll_watermark WHERE feed = 'lab'`))[0]!;
  const labLastCursor = async () => {
    let cursor = '0';
    for (;;) {
      const { body } = await httpJson<{ changes: unknown[]; nextCursor: string }>('GET', `${stack.labSim.url}/api/orders/changes?since=${cursor}&limit=1000`);
      if (body.changes.length === 0) return cursor;
      cursor = body.nextCursor;
    }
  };

  /** Submits `count` requests and waits until each is a lab order the portal knows is accepted. */
  const acceptedBatch = async (count: number, label: string) => {
    const requests = await flow.submitMany(count, label);
    expect(requests).toHaveLength(count);
    const orders = await flow.waitForLabOrders(requests);
    await flow.waitForStatus(requests, 'ACCEPTED_BY_LAB');
    return { requests, orders };
  };

  /**
   * The lab works one order step by step (the same steps as FlowDriver.labWork), waiting after each for the
   * portal to have received what that step causes: lab change -> portal latency, measured per step.
   */
  const timedLabWork = async (mode: string, order: LabOrder) => {
    const ids = new Set([order.externalRef]);
    const steps: [number, 'status' | 'results', unknown][] = [
      [3, 'status', { status: 'IN_PROGRESS' }],
      [5, 'results', { sampleId: 'S-1', testCode: 'PH', resultStatus: 'preliminary', analytes: [{ name: 'pH', value: 7.1, unit: 'pH' }] }],
      [6, 'results', { sampleId: 'S-1', testCode: 'PH', resultStatus: 'final', analytes: [{ name: 'pH', value: 7.2, unit: 'pH' }] }],
      [7, 'results', { sampleId: 'S-1', testCode: 'LEAD', resultStatus: 'final', analytes: [{ name: 'Lead', value: 3.4, unit: 'µg/L' }] }],
      [8, 'status', { status: 'COMPLETED' }],
    ];
    await waitFor(async () => (await portalEvents(ids)).length === 2, { timeoutMs: 60_000, what: 'DISPATCHED and ACCEPTED_BY_LAB at the portal' });
    for (const [portalCount, kind, body] of steps) {
      const before = Date.now();
      await labDoes(order.labOrderId, kind, body);
      const events = await waitFor(async () => {
        const seen = await portalEvents(ids);
        return seen.length >= portalCount && seen;
      }, { timeoutMs: 60_000, intervalMs: 20, what: `${portalCount} events at the portal for ${order.labOrderId}` });
      const arrived = Math.max(...events.slice(-1).map((e) => Date.parse(e.firstReceivedAt)));
      (latencies[mode] ??= []).push(arrived - before);
    }
  };

  const firstBatch: { requests: AcknowledgedRequest[]; orders: LabOrder[] } = { requests: [], orders: [] };

  beforeAll(async () => {
    await stack.start();
  }, 180_000);

  afterAll(async () => {
    await stack.stop();
    const summary = Object.fromEntries(
      Object.entries(latencies).map(([mode, samples]) => {
        const sorted = [...samples].sort((a, b) => a - b);
        return [mode, { samples: sorted.length, p50Ms: sorted[Math.floor(sorted.length / 2)], maxMs: sorted.at(-1) }];
      }),
    );
    // Measured figures for the record (lab change -> portal callback received), one line.
    process.stdout.write(`lab change -> portal latency: ${JSON.stringify(summary)}\n`);
  }, 60_000);

  it(`delivers ${BATCH} requests' statuses and results to the portal once each and in order, with lab-sim sending no webhook`, async () => {
    const { requests, orders } = await acceptedBatch(BATCH, 'POLL');
    Object.assign(firstBatch, { requests, orders });
    // Three orders worked step by step (latency), the rest all at once.
    for (const order of orders.slice(0, 3)) await timedLabWork('polling', order);
    await flow.labWork(orders.slice(3));
    await flow.waitForStatus(requests, 'DELIVERED', 180_000);
    expect(await flow.violations(requests)).toEqual([]);

    // Nothing came by webhook: lab-sim never tried one; every change is in the inbox once, and the
    // watermark stands at the lab's last change.
    const webhooks = await webhookAttempts();
    expect(webhooks.length).toBeGreaterThanOrEqual(BATCH * 5);
    expect(webhooks.filter((w) => w.attempts > 0 || w.deliveredAt !== null)).toEqual([]);
    expect(await inboxCount(orders.map((o) => o.labOrderId))).toBe(BATCH * 5);
    expect(await watermark()).toEqual({ cursor: await labLastCursor(), changes_stored: String(BATCH * 5) });
  }, 400_000);

  it('keeps its watermark through a crash: changes made while the lab-adapter is down arrive once each, none lost', async () => {
    const { requests, orders } = await acceptedBatch(10, 'RESTART');
    const before = await watermark();
    await stack.labAdapter.kill();
    await flow.labWork(orders);
    // The lab recorded everything while nobody was reading.
    expect(await labLastCursor()).not.toBe(before.cursor);
    await stack.labAdapter.start();
    await flow.waitForStatus(requests, 'DELIVERED', 180_000);
    expect(await flow.violations(requests)).toEqual([]);
    expect(await inboxCount(orders.map((o) => o.labOrderId))).toBe(10 * 5);
    expect(await watermark()).toEqual({ cursor: await labLastCursor(), changes_stored: String(Number(before.changes_stored) + 10 * 5) });
  }, 400_000);

  it('stores a change that comes both by webhook and by polling once, and tells the portal once', async () => {
    // lab-sim with webhooks on: at start it sends every change it never sent (all of the above), and
    // each new change goes both ways.
    stack.labSim.options.env['LAB_SIM_WEBHOOKS'] = '1';
    await stack.labSim.stop();
    await stack.labSim.start();
    const { requests, orders } = await acceptedBatch(10, 'BOTH');
    await flow.labWork(orders);
    await flow.waitForStatus(requests, 'DELIVERED', 180_000);
    await waitFor(async () => (await webhookAttempts()).every((w) => w.deliveredAt !== null), { timeoutMs: 120_000, intervalMs: 500, what: 'every webhook delivered' });

    // Every old change came again by webhook and was a duplicate (200); the new ones were stored by
    // whichever path came first, and the other path found them there.
    expect(await flow.violations(requests)).toEqual([]);
    expect(await flow.violations([...firstBatch.requests])).toEqual([]);
    expect(await inboxCount(orders.map((o) => o.labOrderId))).toBe(10 * 5);
    expect(await inboxCount(firstBatch.orders.map((o) => o.labOrderId))).toBe(BATCH * 5);
    const old = (await webhookAttempts()).filter((w) => w.lastStatus !== 200 && w.lastStatus !== 202);
    expect(old).toEqual([]);
  }, 400_000);

  it('gives the portal the same events in webhook mode for the same lab work', async () => {
    stack.labAdapter.options.env['LAB_EVENTS_MODE'] = 'webhook';
    await stack.labAdapter.stop();
    await stack.labAdapter.start();
    const polled = await watermark();
    const { requests, orders } = await acceptedBatch(BATCH, 'HOOK');
    for (const order of orders.slice(0, 3)) await timedLabWork('webhook', order);
    await flow.labWork(orders.slice(3));
    await flow.waitForStatus(requests, 'DELIVERED', 180_000);
    expect(await flow.violations(requests, LAB_WORK_SEQUENCE)).toEqual([]);
    // Webhook mode does not poll: the watermark did not move.
    expect(await watermark()).toEqual(polled);

    // Request by request, the portal saw the same events (types and data) as for the polled batch.
    const viaWebhooks = await portalView(requests);
    const viaPolling = await portalView(firstBatch.requests);
    expect(viaWebhooks).toHaveLength(viaPolling.length);
    expect(viaWebhooks).toEqual(viaPolling);
  }, 400_000);
});
