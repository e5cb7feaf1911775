import { connect } from 'node:net';
import { randomUUID } from 'node:crypto';
import { httpJson, waitFor } from '@labsync/testing';
import { FlowDriver, testRequest } from './flow-checks';
import { metricSum } from './fault-measures';
import { PARTNER_KEYS, platformStackForSuite } from './platform-stack';

/**
 * HTTP hardening against a hostile partner, replayed on the five apps as real processes: rate limits,
 * authentication before the body is read, one Bearer reading, operator key on the tracker, ids never
 * echoed, slow bodies cut off, body size limits, and a bounded number of open `Prefer: wait` requests.
 */
const RATE = 20;
const BURST = 40;
const REQUEST_TIMEOUT_MS = 1_500;
const OPERATOR_KEY = 'e2e-operator-key-0001';
const operator = { authorization: `Bearer ${OPERATOR_KEY}` };
const partner = (id: keyof typeof PARTNER_KEYS) => ({ authorization: `Bearer ${PARTNER_KEYS[id]}` });

/** A raw request whose body is sent in part and never finished; resolves with what came back and when the socket closed. */
function slowBody(port: number, path: string, headers: Record<string, string>): Promise<{ elapsedMs: number; answer: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => {
      const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 100000', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
      socket.write(`${lines.join('\r\n')}\r\n\r\n{"portalRequestId":`);
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ elapsedMs: performance.now() - started, answer }));
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server still held the slow-body connection after 20 s (got ${JSON.stringify(answer.slice(0, 80))})`));
    }, 20_000).unref();
  });
}

describe('HTTP hardening against a hostile partner (five processes)', () => {
  const stack = platformStackForSuite(50, {
    portalAdapter: {
      PARTNER_RATE_LIMIT: String(RATE),
      PARTNER_RATE_BURST: String(BURST),
      PARTNER_MAX_WAITS: '1',
      OPERATOR_API_KEY: OPERATOR_KEY,
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      DB_POOL_SIZE: '4',
    },
    tracker: { OPERATOR_API_KEY: OPERATOR_KEY, DB_POOL_SIZE: '4' },
    labAdapter: { DB_POOL_SIZE: '4' },
    portalSim: { DB_POOL_SIZE: '4' },
    labSim: { DB_POOL_SIZE: '4' },
  });
  const flow = new FlowDriver(stack);
  const pa = () => stack.portalAdapter.url;
  const tracker = () => stack.tracker.url;
  /** Lets acme's bucket fill again so one test's requests never count against the next. */
  const acmeAllowedAgain = () =>
    waitFor(async () => (await httpJson('GET', `${pa()}/v1/test-requests/${randomUUID()}`, undefined, partner('acme'))).status === 404, { timeoutMs: 10_000, intervalMs: 500, what: 'acme under its rate limit again' });

  it('answers 401 before reading the body: a malformed, non-JSON or oversized body without a valid key is never parsed', async () => {
    const secret = 'SECRET-BODY-MARKER';
    const unauthenticated: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-partner-key' }];
    for (const headers of unauthenticated) {
      const malformed = await httpJson('POST', `${pa()}/v1/test-requests`, `{"${secret}": `, headers);
      expect(malformed.status).toBe(401);
      expect(malformed.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(malformed.body)).not.toContain(secret);
      const notJson = await fetch(`${pa()}/v1/test-requests`, { method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body: secret });
      expect(notJson.status).toBe(401);
      const oversized = await httpJson('POST', `${pa()}/v1/test-requests`, JSON.stringify({ notes: 'x'.repeat(600_000) }), headers);
      expect(oversized.status).toBe(401);
    }
    // Authenticated, the same malformed body is a 400 whose detail does not quote it.
    const authenticated = await httpJson('POST', `${pa()}/v1/test-requests`, `{"${secret}": `, partner('acme'));
    expect(authenticated.status).toBe(400);
    expect(JSON.stringify(authenticated.body)).not.toContain(secret);
  });

  it('reads "Bearer  <key>" (two spaces) as malformed on partner and operator routes alike', async () => {
    const partnerRoute = await httpJson('GET', `${pa()}/v1/test-requests/${randomUUID()}`, undefined, { authorization: `Bearer  ${PARTNER_KEYS.acme}` });
    const operatorRoute = await httpJson('GET', `${pa()}/v1/operator/dead-letters`, undefined, { authorization: `Bearer  ${OPERATOR_KEY}` });
    const trackerRoute = await httpJson('GET', `${tracker()}/v1/correlations`, undefined, { authorization: `Bearer  ${OPERATOR_KEY}` });
    expect([partnerRoute.status, operatorRoute.status, trackerRoute.status]).toEqual([401, 401, 401]);
    // One space, scheme in any case: accepted everywhere.
    const ok = await Promise.all([
      httpJson('GET', `${pa()}/v1/test-requests/${randomUUID()}`, undefined, { authorization: `bearer ${PARTNER_KEYS.acme}` }),
      httpJson('GET', `${pa()}/v1/operator/dead-letters`, undefined, { authorization: `BEARER ${OPERATOR_KEY}` }),
      httpJson('GET', `${tracker()}/v1/correlations`, undefined, { authorization: `bearer ${OPERATOR_KEY}` }),
    ]);
    expect(ok.map((r) => r.status)).toEqual([404, 200, 200]);
  });

  it("requires the operator key on the tracker's /v1/correlations; partner keys do not work there", async () => {
    const refused: Record<string, string>[] = [{}, partner('acme'), { authorization: 'Bearer wrong-operator-key-0001' }];
    for (const headers of refused) {
      const list = await httpJson('GET', `${tracker()}/v1/correlations`, undefined, headers);
      const one = await httpJson('GET', `${tracker()}/v1/correlations/${randomUUID()}`, undefined, headers);
      expect([list.status, one.status]).toEqual([401, 401]);
      expect(list.headers.get('www-authenticate')).toMatch(/^Bearer realm="labsync-operator"/);
    }
  });

  it('reads correlation ids one way on both apps: any-case UUIDs found, a 15 kB id a 404 that does not echo it', async () => {
    const submitted = await flow.submit('acme', testRequest('PR-SEC-CASE'));
    expect(submitted.status).toBe(202);
    const id: string = submitted.body.correlationId;
    const upper = id.toUpperCase();
    expect((await httpJson('GET', `${pa()}/v1/test-requests/${upper}`, undefined, partner('acme'))).body.correlationId).toBe(id);
    const tracked = await waitFor(
      async () => {
        const view = await httpJson('GET', `${tracker()}/v1/correlations/${upper}`, undefined, operator);
        return view.status === 200 && view;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'the tracker to know the request (asked in upper case)' },
    );
    expect(tracked.body.correlationId).toBe(id);

    const longId = `${'A'.repeat(15_000)}-long`;
    for (const [url, headers] of [
      [`${tracker()}/v1/correlations/${longId}`, operator],
      [`${pa()}/v1/test-requests/${longId}`, partner('acme')],
    ] as const) {
      const response = await fetch(url, { headers });
      const text = await response.text();
      expect(response.status).toBe(404);
      expect(text).not.toContain('AAAAAAAAAA');
      expect(text.length).toBeLessThan(1_000);
    }
  });

  it('refuses bodies over the route limit with 413 problem+json (512 kB test requests, 16 kB lab webhooks)', async () => {
    const big = { ...testRequest('PR-SEC-BIG'), notes: 'x'.repeat(520 * 1024) };
    const tooLarge = await httpJson('POST', `${pa()}/v1/test-requests`, big, partner('acme'));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(tooLarge.body.detail).toBe('The body is larger than 512kb.');
    // Under the limit but far over the small default: the test-request route takes it (and refuses it on its merits).
    const large = await httpJson('POST', `${pa()}/v1/test-requests`, { ...testRequest('PR-SEC-LARGE'), notes: 'x'.repeat(100 * 1024) }, partner('acme'));
    expect(large.status).not.toBe(413);
    const webhook = await httpJson('POST', `${stack.labAdapter.url}/v1/lab/events`, { type: 'result.reported', padding: 'x'.repeat(20 * 1024) });
    expect(webhook.status).toBe(413);
    expect(webhook.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('cuts off a client that never finishes its body after HTTP_REQUEST_TIMEOUT_MS', async () => {
    const { elapsedMs, answer } = await slowBody(Number(new URL(pa()).port), '/v1/test-requests', partner('acme'));
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    // Not at once (the body was still coming), and not Node's 300 s: the configured timeout plus a sweep.
    expect(elapsedMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    expect(elapsedMs).toBeLessThan(REQUEST_TIMEOUT_MS + 4_000);
  });

  it('answers 202 at once beyond PARTNER_MAX_WAITS open waits; another partner still waits', async () => {
    await acmeAllowedAgain();
    // A slow lab keeps the first wait open.
    expect((await httpJson('POST', `${stack.labSim.url}/sim/faults`, { latencyMs: 4_000 })).status).toBe(200);
    try {
      const first = flow.submit('acme', testRequest('PR-SEC-WAIT-1'), { prefer: 'wait=10' });
      await waitFor(async () => (await metricSum(pa(), 'labsync_sync_waiters')) >= 1, { timeoutMs: 10_000, intervalMs: 50, what: 'the first wait to be open' });
      const started = performance.now();
      const second = await flow.submit('acme', testRequest('PR-SEC-WAIT-2'), { prefer: 'wait=10' });
      expect(second.status).toBe(202);
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(second.headers.get('preference-applied') ?? '').not.toMatch(/wait=/);
      expect(await metricSum(pa(), 'labsync_sync_waits_refused_total', { partner: 'acme' })).toBe(1);
      const other = await flow.submit('globex', testRequest('PR-SEC-WAIT-3'), { prefer: 'wait=1' });
      expect([201, 202]).toContain(other.status);
      expect(other.headers.get('preference-applied')).toMatch(/wait=1/);
      expect([201, 202]).toContain((await first).status);
    } finally {
      await httpJson('DELETE', `${stack.labSim.url}/sim/faults`);
    }
  });

  it('refuses ~2,000 quick requests from one partner with 429 + Retry-After past its rate, another partner unaffected', async () => {
    await acmeAllowedAgain();
    const statuses: number[] = [];
    let refusal: Awaited<ReturnType<typeof httpJson>> | null = null;
    const started = performance.now();
    const postStatuses: number[] = [];
    const worker = async (n: number) => {
      for (let i = 0; i < n; i++) {
        // Every tenth request a malformed POST: over the limit it must be refused before its body is read.
        if (i % 10 === 9) {
          const post = await httpJson('POST', `${pa()}/v1/test-requests`, '{"not json', partner('acme'));
          statuses.push(post.status);
          postStatuses.push(post.status);
          continue;
        }
        const answer = await httpJson('GET', `${pa()}/v1/test-requests/${randomUUID()}`, undefined, partner('acme'));
        statuses.push(answer.status);
        if (answer.status === 429) refusal ??= answer;
      }
    };
    const globexStatuses: number[] = [];
    const globex = async () => {
      // Fewer than its burst, while acme is being refused: all served.
      for (let i = 0; i < 20; i++) globexStatuses.push((await httpJson('GET', `${pa()}/v1/test-requests/${randomUUID()}`, undefined, partner('globex'))).status);
    };
    await Promise.all([...Array.from({ length: 20 }, () => worker(100)), globex()]);
    expect(globexStatuses).toEqual(Array.from({ length: 20 }, () => 404));
    const elapsedS = (performance.now() - started) / 1000;
    const allowed = statuses.filter((s) => s === 404 || s === 400).length;
    expect(statuses).toHaveLength(2_000);
    expect(allowed + statuses.filter((s) => s === 429).length).toBe(2_000);
    expect(allowed).toBeGreaterThanOrEqual(BURST);
    expect(allowed).toBeLessThanOrEqual(BURST + Math.ceil(RATE * elapsedS) + 1);
    expect(refusal).not.toBeNull();
    expect(refusal!.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(Number(refusal!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refusal!.headers.get('ratelimit-policy')).toBe(`"partner";q=${RATE};w=1`);
    expect(refusal!.headers.get('ratelimit')).toMatch(/^"partner";r=0;t=\d+$/);

    // Meanwhile another partner is served.
    expect((await httpJson('GET', `${pa()}/v1/test-requests/${randomUUID()}`, undefined, partner('globex'))).status).toBe(404);
    // Malformed POSTs over the limit got 429, not the parser's 400 (which only the few let in got).
    expect(postStatuses).toHaveLength(200);
    expect(postStatuses.every((s) => s === 429 || s === 400)).toBe(true);
    expect(postStatuses.filter((s) => s === 429).length).toBeGreaterThan(postStatuses.length / 2);
    expect(await metricSum(pa(), 'labsync_partner_rate_limited_total', { partner: 'acme' })).toBeGreaterThan(0);
    expect(await metricSum(pa(), 'labsync_partner_rate_limited_total', { partner: 'globex' })).toBe(0);
    await acmeAllowedAgain();
  }, 60_000);
});
