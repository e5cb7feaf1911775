import { randomUUID } from 'node:crypto';
import { startService, type RunningService } from '@labsync/service-runtime';
import { signPayload } from '@labsync/signatures';
import { dropSchemas, httpJson, sql, standInTestEnv, uniqueSchema } from '@labsync/testing';
import { portalSimService } from '../src/portal-sim.definition';

const PARTNERS = [
  { id: 'acme', apiKey: 'int-acme-key-0001', callbackUrl: 'http://127.0.0.1:1/callbacks/acme', callbackSecret: 'int-acme-callback-secret' },
  { id: 'globex', apiKey: 'int-globex-key-0001', callbackUrl: 'http://127.0.0.1:1/callbacks/globex', callbackSecret: 'int-globex-callback-secret' },
];
const secretOf = (partnerId: string) => PARTNERS.find((p) => p.id === partnerId)!.callbackSecret;

function statusCallback(correlationId: string, status = 'IN_PROGRESS', eventId = randomUUID()) {
  return { eventId, type: 'status.changed', correlationId, portalRequestId: `PR-${correlationId}`, occurredAt: new Date().toISOString(), data: { status } };
}

function resultCallback(correlationId: string, resultStatus = 'final', eventId = randomUUID()) {
  return {
    eventId,
    type: 'result.reported',
    correlationId,
    portalRequestId: `PR-${correlationId}`,
    occurredAt: new Date().toISOString(),
    data: { sampleId: 'S-1', testCode: 'LEAD', resultStatus, analytes: [{ name: 'Lead', value: 3.2, unit: 'µg/L' }] },
  };
}

describe('portal-sim (in-process, real Postgres)', () => {
  const schema = uniqueSchema('portalsim');
  let portal: RunningService;

  /** POSTs a callback the way the portal-adapter does: the exact bytes, signed, with the event id header. */
  const deliver = (partnerId: string, callback: { eventId: string }, options: { secret?: string; signature?: string | null; at?: number } = {}) => {
    const raw = JSON.stringify(callback);
    const headers: Record<string, string> = { 'x-labsync-event-id': callback.eventId };
    const signature = options.signature === undefined ? signPayload(options.secret ?? secretOf(partnerId), raw, options.at) : options.signature;
    if (signature !== null) headers['x-labsync-signature'] = signature;
    return httpJson('POST', `${portal.url}/callbacks/${partnerId}`, raw, headers);
  };
  const received = async (query = '') => (await httpJson('GET', `${portal.url}/sim/received${query}`)).body.events as { eventId: string; deliveries: number; correlationId: string; partnerId: string; type: string; body: Record<string, unknown> }[];
  const countStored = async () => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".received_events`))[0]!.n);

  beforeAll(async () => {
    portal = await startService(portalSimService, await standInTestEnv(schema, 'error', { PARTNERS: JSON.stringify(PARTNERS) }));
  });

  afterEach(async () => {
    await httpJson('DELETE', `${portal.url}/sim/faults`);
  });

  afterAll(async () => {
    await portal?.close();
    await dropSchemas([schema]);
  });

  it('records a correctly signed callback, as it was sent', async () => {
    const callback = resultCallback('corr-record');
    const answer = await deliver('acme', callback);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ received: true, duplicate: false });
    const events = await received('?correlationId=corr-record');
    expect(events).toEqual([
      expect.objectContaining({ eventId: callback.eventId, type: 'result.reported', correlationId: 'corr-record', partnerId: 'acme', deliveries: 1, body: callback }),
    ]);
  });

  it('counts a repeated event id without moving it in the arrival order', async () => {
    const first = statusCallback('corr-dup', 'IN_PROGRESS');
    const second = resultCallback('corr-dup', 'preliminary');
    expect((await deliver('acme', first)).body).toEqual({ received: true, duplicate: false });
    expect((await deliver('acme', second)).body).toEqual({ received: true, duplicate: false });
    const again = await deliver('acme', first);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ received: true, duplicate: true });
    // Concurrent repeats are each counted once.
    await Promise.all(Array.from({ length: 5 }, () => deliver('acme', first)));
    const events = await received('?correlationId=corr-dup');
    expect(events.map((e) => [e.eventId, e.deliveries])).toEqual([
      [first.eventId, 7],
      [second.eventId, 1],
    ]);
  });

  it('keeps the arrival order and filters by correlation id and partner', async () => {
    const sent = [];
    for (let i = 0; i < 6; i++) {
      const partnerId = i % 2 === 0 ? 'acme' : 'globex';
      const callback = i % 3 === 2 ? resultCallback(`corr-order-${partnerId}`) : statusCallback(`corr-order-${partnerId}`, i < 3 ? 'IN_PROGRESS' : 'COMPLETED');
      expect((await deliver(partnerId, callback)).status).toBe(200);
      sent.push({ eventId: callback.eventId, partnerId });
    }
    const all = (await received()).filter((e) => e.correlationId.startsWith('corr-order-'));
    expect(all.map((e) => e.eventId)).toEqual(sent.map((s) => s.eventId));
    const globex = await received('?partnerId=globex');
    expect(globex.every((e) => e.partnerId === 'globex')).toBe(true);
    expect(globex.filter((e) => e.correlationId.startsWith('corr-order-')).map((e) => e.eventId)).toEqual(sent.filter((s) => s.partnerId === 'globex').map((s) => s.eventId));
    const one = await received('?correlationId=corr-order-acme&partnerId=acme');
    expect(one.map((e) => e.eventId)).toEqual(sent.filter((s) => s.partnerId === 'acme').map((s) => s.eventId));
    // A filter Postgres cannot compare (U+0000) is a bad query, not a database error.
    const nul = await httpJson('GET', `${portal.url}/sim/received?correlationId=corr-%00`);
    expect(nul.status).toBe(400);
    expect(nul.body.errors).toEqual([{ path: '/correlationId', message: 'must not contain U+0000 or unpaired UTF-16 surrogates' }]);
  });

  it('refuses unsigned, wrongly signed and stale callbacks with 401 and records nothing', async () => {
    const before = await countStored();
    const callback = statusCallback('corr-unsigned');
    const cases = [
      await deliver('acme', callback, { signature: null }),
      await deliver('acme', callback, { secret: secretOf('globex') }),
      await deliver('acme', callback, { signature: 't=123,v1=deadbeef' }),
      await deliver('acme', callback, { at: Math.floor(Date.now() / 1000) - 600 }),
    ];
    for (const answer of cases) {
      expect(answer.status).toBe(401);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(cases.map((c) => c.body.reason)).toEqual(['missing', 'mismatch', 'stale', 'stale']);
    // Signed for one body, sent with another.
    const raw = JSON.stringify(callback);
    const tampered = await httpJson('POST', `${portal.url}/callbacks/acme`, raw.replace('IN_PROGRESS', 'COMPLETED'), { 'x-labsync-signature': signPayload(secretOf('acme'), raw) });
    expect(tampered.status).toBe(401);
    expect(await countStored()).toBe(before);
    expect(await received('?correlationId=corr-unsigned')).toEqual([]);
  });

  it('answers 404 for a partner it does not know, and 400 for a signed body that is not a callback', async () => {
    const before = await countStored();
    expect((await deliver('initech', statusCallback('corr-unknown'), { secret: 'whatever-secret-it-is' })).status).toBe(404);
    const malformed = await deliver('acme', { ...statusCallback('corr-bad'), type: 'status.updated' } as ReturnType<typeof statusCallback>);
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.length).toBeGreaterThan(0);
    const mismatched = statusCallback('corr-bad');
    const raw = JSON.stringify(mismatched);
    const answer = await httpJson('POST', `${portal.url}/callbacks/acme`, raw, { 'x-labsync-signature': signPayload(secretOf('acme'), raw), 'x-labsync-event-id': randomUUID() });
    expect(answer.status).toBe(400);
    expect(await countStored()).toBe(before);
  });

  it('answers 503 without recording while down or when an error is drawn, and delays with latency', async () => {
    const before = await countStored();
    expect((await httpJson('POST', `${portal.url}/sim/faults`, { down: true })).body).toEqual({ latencyMs: 0, errorRate: 0, down: true });
    const whileDown = await deliver('acme', statusCallback('corr-faults'));
    expect(whileDown.status).toBe(503);
    expect(whileDown.headers.get('content-type')).toContain('application/problem+json');
    expect((await httpJson('GET', `${portal.url}/sim/received`)).status).toBe(200);
    expect((await httpJson('GET', `${portal.url}/health/live`)).status).toBe(200);

    await httpJson('POST', `${portal.url}/sim/faults`, { down: false, errorRate: 1 });
    expect((await deliver('acme', statusCallback('corr-faults'))).status).toBe(503);
    expect(await countStored()).toBe(before);

    await httpJson('POST', `${portal.url}/sim/faults`, { errorRate: 0, latencyMs: 250 });
    const started = Date.now();
    expect((await deliver('acme', statusCallback('corr-faults'))).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(await received('?correlationId=corr-faults')).toHaveLength(1);

    expect((await httpJson('POST', `${portal.url}/sim/faults`, { errorRate: 1.5 })).status).toBe(400);
    expect((await httpJson('DELETE', `${portal.url}/sim/faults`)).body).toEqual({ latencyMs: 0, errorRate: 0, down: false });
  });

  it('forgets everything on DELETE /sim/received', async () => {
    await deliver('globex', statusCallback('corr-clear'));
    const cleared = await httpJson('DELETE', `${portal.url}/sim/received`);
    expect(cleared.status).toBe(200);
    expect(cleared.body.deleted).toBeGreaterThan(0);
    expect(await received()).toEqual([]);
  });
});
