import { startService, type RunningService } from '@labsync/service-runtime';
import { TEST_DATABASE_URL, dropSchemas, freePort, httpJson, uniqueSchema } from '@labsync/testing';
import { labSimService } from '../src/lab-sim.definition';

interface Change {
  cursor: string;
  eventId: string;
  type: string;
  occurredAt: string;
  data: { labOrderId: string; status?: string; testCode?: string; resultStatus?: string };
}

const order = (externalRef: string) => ({
  externalRef,
  customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
  priority: 'standard',
  samples: [{ sampleId: 'S-1', matrix: 'water', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH', 'LEAD'] }],
});
const result = (testCode: string, resultStatus: string) => ({ sampleId: 'S-1', testCode, resultStatus, analytes: [{ name: testCode, value: 1.5, unit: 'mg/L' }] });

/** GET /api/orders/changes: the change feed of a lab without webhooks (LAB_SIM_WEBHOOKS=0). */
describe('lab-sim change feed (in-process, real Postgres, webhooks off)', () => {
  const schema = uniqueSchema('labsim_feed');
  let lab: RunningService;
  let refSeq = 0;

  const placeOrder = async () => {
    const response = await httpJson('POST', `${lab.url}/api/orders`, order(`feed-${++refSeq}-${schema}`));
    expect(response.status).toBe(201);
    return response.body.labOrderId as string;
  };
  const act = async (labOrderId: string, kind: 'status' | 'results', body: unknown) => {
    const response = await httpJson('POST', `${lab.url}/sim/orders/${labOrderId}/${kind}`, body);
    expect(response.status).toBe(202);
    return response.body.eventId as string;
  };
  const page = (query: string) => httpJson<{ changes: Change[]; nextCursor: string }>('GET', `${lab.url}/api/orders/changes${query}`);
  /** Reads the whole feed after `since`, page by page. */
  const readAll = async (since: string, limit: number) => {
    const changes: Change[] = [];
    let cursor = since;
    for (;;) {
      const { status, body } = await page(`?since=${cursor}&limit=${limit}`);
      expect(status).toBe(200);
      changes.push(...body.changes);
      if (body.changes.length === 0) expect(body.nextCursor).toBe(cursor);
      cursor = body.nextCursor;
      if (body.changes.length < limit) return { changes, cursor };
    }
  };

  const env = {
    DATABASE_URL: TEST_DATABASE_URL,
    DB_SCHEMA: schema,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'test',
    LAB_SIM_WEBHOOKS: '0',
    // Nobody listens here: with webhooks off, nothing may be sent to it.
    LAB_WEBHOOK_URL: 'http://127.0.0.1:9/v1/lab/events',
  };

  beforeAll(async () => {
    lab = await startService(labSimService, { ...env, PORT: String(await freePort()) });
  });

  afterEach(async () => {
    await httpJson('DELETE', `${lab.url}/sim/faults`);
  });

  afterAll(async () => {
    await lab?.close();
    await dropSchemas([schema]);
  });

  it('starts empty, with a cursor to come back with', async () => {
    const { status, body } = await page('');
    expect(status).toBe(200);
    expect(body).toEqual({ changes: [], nextCursor: '0' });
  });

  it('serves every change once, in the order it happened, page by page, with the webhook event id and body', async () => {
    const { cursor: start } = await readAll('0', 1000);
    const first = await placeOrder();
    const second = await placeOrder();
    const fired = [
      await act(first, 'status', { status: 'IN_PROGRESS' }),
      await act(second, 'status', { status: 'IN_PROGRESS' }),
      await act(first, 'results', result('PH', 'preliminary')),
      await act(first, 'results', result('PH', 'final')),
      await act(second, 'status', { status: 'CANCELLED' }),
      await act(first, 'results', result('LEAD', 'final')),
      await act(first, 'status', { status: 'COMPLETED' }),
    ];

    const { changes, cursor } = await readAll(start, 3);
    expect(changes.map((c) => c.eventId)).toEqual(fired);
    expect(changes.map((c) => (c.type === 'order.status-changed' ? c.data.status : `${c.data.testCode}:${c.data.resultStatus}`))).toEqual([
      'IN_PROGRESS', 'IN_PROGRESS', 'PH:preliminary', 'PH:final', 'CANCELLED', 'LEAD:final', 'COMPLETED',
    ]);
    // Cursors only grow, and the last one is where the next read starts.
    const positions = changes.map((c) => BigInt(c.cursor));
    expect(positions.every((p, i) => i === 0 || p > positions[i - 1]!)).toBe(true);
    expect(cursor).toBe(changes.at(-1)!.cursor);

    // Each change is the webhook the lab would have sent: same event id, same body (cursor aside).
    const outbox = await httpJson('GET', `${lab.url}/sim/webhooks?labOrderId=${first}`);
    const webhookBodies = outbox.body.webhooks.map((w: { body: unknown }) => w.body);
    expect(changes.filter((c) => c.data.labOrderId === first).map(({ cursor: _cursor, ...body }) => body)).toEqual(webhookBodies);
    // Webhooks are off: nothing was attempted.
    expect(outbox.body.webhooks.every((w: { attempts: number; deliveredAt: string | null }) => w.attempts === 0 && w.deliveredAt === null)).toBe(true);

    // Reading again from an old cursor gives the same changes with the same cursors (the feed is durable).
    const again = await readAll(start, 1000);
    expect(again.changes).toEqual(changes);
    expect((await page(`?since=${cursor}`)).body).toEqual({ changes: [], nextCursor: cursor });
  });

  it('never skips a change written while the feed is being read, and keeps each order in order', async () => {
    const { cursor: start } = await readAll('0', 1000);
    const orders = await Promise.all(Array.from({ length: 12 }, () => placeOrder()));
    const steps = [
      ['status', { status: 'IN_PROGRESS' }],
      ['results', result('PH', 'preliminary')],
      ['results', result('PH', 'final')],
      ['results', result('LEAD', 'final')],
      ['status', { status: 'COMPLETED' }],
    ] as const;
    const firedPerOrder = new Map<string, string[]>();
    let writing = true;
    const writers = Promise.all(
      orders.map(async (labOrderId) => {
        const fired: string[] = [];
        for (const [kind, body] of steps) fired.push(await act(labOrderId, kind, body));
        firedPerOrder.set(labOrderId, fired);
      }),
    ).finally(() => (writing = false));

    // A poller reading small pages while the lab writes concurrently.
    const seen: Change[] = [];
    let cursor = start;
    while (writing || seen.length < orders.length * steps.length) {
      const { status, body } = await page(`?since=${cursor}&limit=4`);
      expect(status).toBe(200);
      seen.push(...body.changes);
      cursor = body.nextCursor;
      if (!writing && body.changes.length === 0) break;
    }
    await writers;
    const rest = await readAll(cursor, 50);
    seen.push(...rest.changes);

    expect(seen).toHaveLength(orders.length * steps.length);
    expect(new Set(seen.map((c) => c.eventId)).size).toBe(seen.length);
    for (const labOrderId of orders) {
      expect(seen.filter((c) => c.data.labOrderId === labOrderId).map((c) => c.eventId)).toEqual(firedPerOrder.get(labOrderId));
    }
  });

  it('answers a cursor that is not one with 400 problem+json naming since, and one it never handed out with 400', async () => {
    for (const bad of ['abc', '-1', '1.5', '01']) {
      const { status, headers, body } = await page(`?since=${encodeURIComponent(bad)}`);
      expect(status).toBe(400);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 400, errors: [{ path: '/since' }] });
    }
    const { cursor } = await readAll('0', 1000);
    const future = await page(`?since=${BigInt(cursor) + 1000n}`);
    expect(future.status).toBe(400);
    expect(future.body).toMatchObject({ title: 'Unknown cursor', errors: [{ path: '/since' }] });
    expect((await page('?limit=0')).status).toBe(400);
    expect((await page('?limit=1001')).status).toBe(400);
  });

  it('is part of the lab API: injected downtime and errors apply to it', async () => {
    const labOrderId = await placeOrder();
    const { cursor } = await readAll('0', 1000);
    await act(labOrderId, 'status', { status: 'IN_PROGRESS' });
    expect((await httpJson('POST', `${lab.url}/sim/faults`, { down: true })).status).toBe(200);
    const down = await page(`?since=${cursor}`);
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toContain('application/problem+json');
    await httpJson('DELETE', `${lab.url}/sim/faults`);
    const after = await page(`?since=${cursor}`);
    expect(after.status).toBe(200);
    expect(after.body.changes.map((c) => c.data)).toEqual([expect.objectContaining({ labOrderId, status: 'IN_PROGRESS' })]);
  });

  it('keeps every cursor and position across a restart of the lab', async () => {
    const before = await readAll('0', 1000);
    expect(before.changes.length).toBeGreaterThan(0);
    await lab.close();
    lab = await startService(labSimService, { ...env, PORT: String(await freePort()) });
    const after = await readAll('0', 1000);
    expect(after.changes).toEqual(before.changes);
    const labOrderId = before.changes.at(-1)!.data.labOrderId;
    const next = await act(labOrderId, 'status', { status: 'COMPLETED' });
    expect((await page(`?since=${before.cursor}`)).body.changes.map((c) => c.eventId)).toEqual([next]);
  });
});
