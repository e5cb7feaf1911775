import { CorrelationStatusChanged, type CorrelationSnapshot } from '@labsync/contracts';
import { sql, waitFor } from '@labsync/testing';
import { snapshotsOf } from '../../test/correlation-snapshots';
import { ACME, GLOBEX, partnerApiSuite, requestBody } from '../../test/partner-api-suite';
import { bearer as auth } from '../../test/portal-adapter-under-test';

/** Prefer: wait=N on POST /v1/test-requests: the partner waits for the lab's answer (or the asynchronous 202). */
describe('portal-adapter: synchronous answers (real Kafka, real Postgres, a fake partner portal)', () => {
  const suite = partnerApiSuite('portal-sync-answers');
  const { post, get, storedRequests, drained } = suite;
  const metricValue = (line: RegExp) => suite.run.metric(line);
  const publishSnapshots = (snapshots: CorrelationSnapshot[]) => suite.run.publishSnapshots(snapshots);

  describe('Prefer on POST /v1/test-requests', () => {
    it('honours Prefer: respond-async, answers Prefer: wait=N with the asynchronous 202 once N runs out, and refuses a malformed Prefer', async () => {
      const async = await post(requestBody('PR-PREFER-1'), { ...auth(ACME), prefer: 'respond-async' });
      expect(async.status).toBe(202);
      expect(async.headers.get('preference-applied')).toBe('respond-async');

      // Nobody answers for the lab here: after 1 s the partner gets the 202 it would have got at once.
      const started = performance.now();
      const wait = await post(requestBody('PR-PREFER-2'), { ...auth(ACME), prefer: 'wait=1' });
      const waitedMs = performance.now() - started;
      expect(wait.status).toBe(202);
      expect(waitedMs).toBeGreaterThanOrEqual(900);
      expect(waitedMs).toBeLessThan(3_000);
      expect(wait.body).toEqual({ correlationId: wait.body.correlationId, status: 'RECEIVED', statusUrl: `/v1/test-requests/${wait.body.correlationId}` });
      expect(wait.headers.get('location')).toBe(`/v1/test-requests/${wait.body.correlationId}`);
      expect(wait.headers.get('retry-after')).toBe('2');
      expect(wait.headers.get('preference-applied')).toBe('wait=1');
      expect(await storedRequests('correlation_id = $1', [wait.body.correlationId])).toHaveLength(1);

      const bad = await post(requestBody('PR-PREFER-3'), { ...auth(ACME), prefer: 'wait=abc' });
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(bad.body).toMatchObject({ status: 400, header: 'Prefer', detail: expect.stringMatching(/wait must be a whole number/) });
      expect(await storedRequests('portal_request_id = $1', ['PR-PREFER-3'])).toHaveLength(0);
    });
  });

  describe('synchronous answers (Prefer: wait=N)', () => {
    /** Posts without waiting for the answer; `answered` tells whether it came. */
    function postPending(body: unknown, headers: Record<string, string>) {
      const started = performance.now();
      let answered = false;
      const response = post(body, headers).then((r) => {
        answered = true;
        return { ...r, elapsedMs: performance.now() - started };
      });
      return { response, isAnswered: () => answered };
    }

    /** The request is stored, and its request.submitted on Kafka, while the partner still waits. */
    async function storedWhileWaiting(portalRequestId: string, isAnswered: () => boolean): Promise<string> {
      const [row] = await waitFor(async () => {
        const rows = await storedRequests('portal_request_id = $1', [portalRequestId]);
        return rows.length > 0 && rows;
      }, { what: `${portalRequestId} to be stored` });
      const correlationId = row!['correlation_id'] as string;
      await waitFor(() => suite.submitted.payloads().some((p) => p.correlationId === correlationId), { what: `request.submitted of ${portalRequestId}` });
      expect(isAnswered()).toBe(false);
      return correlationId;
    }

    function rejectedSnapshot(correlationId: string, portalRequestId: string, reasons: string[]): CorrelationSnapshot {
      const at = (minute: number) => new Date(Date.parse('2026-11-20T08:00:00Z') + minute * 60_000).toISOString();
      return CorrelationStatusChanged.payload.parse({
        correlationId,
        partnerId: 'globex',
        portalRequestId,
        status: 'REJECTED_BY_LAB',
        labOrderId: null,
        version: 3,
        updatedAt: at(3),
        timeline: [
          { seq: 1, at: at(1), status: 'RECEIVED', source: 'portal' },
          { seq: 2, at: at(2), status: 'DISPATCHED', source: 'labsync' },
          { seq: 3, at: at(3), status: 'REJECTED_BY_LAB', source: 'lab', detail: reasons.join('; '), reasons },
        ],
        results: [],
      });
    }

    const accept = (correlationId: string, portalRequestId: string, labOrderId: string) =>
      publishSnapshots(
        snapshotsOf(correlationId, 'globex', portalRequestId, [
          { status: 'RECEIVED', source: 'portal' },
          { status: 'DISPATCHED', source: 'labsync' },
          { status: 'ACCEPTED_BY_LAB', source: 'lab', labOrderId },
        ]),
      );

    it('stores the request first, then answers 201 with the lab order id as soon as the lab accepted', async () => {
      const pending = postPending(requestBody('PR-SYNC-OK'), { ...auth(GLOBEX), prefer: 'wait=20' });
      const correlationId = await storedWhileWaiting('PR-SYNC-OK', pending.isAnswered);
      // Versions in between (RECEIVED, DISPATCHED) are no answer; ACCEPTED_BY_LAB is.
      await accept(correlationId, 'PR-SYNC-OK', 'L-SYNC-1');

      const answer = await pending.response;
      expect(answer.status).toBe(201);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(answer.body).toEqual({ correlationId, status: 'ACCEPTED_BY_LAB', labOrderId: 'L-SYNC-1', statusUrl: `/v1/test-requests/${correlationId}` });
      expect(answer.headers.get('location')).toBe(`/v1/test-requests/${correlationId}`);
      expect(answer.headers.get('preference-applied')).toBe('wait=20');
      expect(answer.elapsedMs).toBeLessThan(20_000);
      expect((await sql(`SELECT applied_by FROM "${suite.schema}".correlation_views WHERE correlation_id = $1`, [correlationId]))[0]).toEqual({
        applied_by: 'int-replica',
      });
    });

    it("answers 422 problem+json with REJECTED_BY_LAB and the lab's reasons when the lab rejected, and again to a replay", async () => {
      const reasons = ['sample S-1: unknown test code "XYZ"', 'sample S-1: unknown test code "Q; R"'];
      const headers = { ...auth(GLOBEX), prefer: 'wait=20', 'idempotency-key': 'sync-rejected-1' };
      const pending = postPending(requestBody('PR-SYNC-REJECTED'), headers);
      const correlationId = await storedWhileWaiting('PR-SYNC-REJECTED', pending.isAnswered);
      await publishSnapshots([rejectedSnapshot(correlationId, 'PR-SYNC-REJECTED', reasons)]);

      const answer = await pending.response;
      expect(answer.status).toBe(422);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body).toEqual({
        type: 'https://labsync.dev/problems/rejected-by-lab',
        title: 'Rejected by the lab',
        status: 'REJECTED_BY_LAB',
        detail: `The lab rejected this test request: ${reasons.join('; ')}.`,
        instance: `/v1/test-requests/${correlationId}`,
        correlationId,
        reasons,
        statusUrl: `/v1/test-requests/${correlationId}`,
      });
      expect(answer.headers.get('location')).toBe(`/v1/test-requests/${correlationId}`);

      const replay = await post(requestBody('PR-SYNC-REJECTED'), headers);
      expect(replay.status).toBe(422);
      expect(replay.body).toEqual(answer.body);
      expect(await storedRequests('portal_request_id = $1', ['PR-SYNC-REJECTED'])).toHaveLength(1);
    });

    it('clamps N to SYNC_WAIT_MAX_SECONDS and says so in Preference-Applied', async () => {
      const pending = postPending(requestBody('PR-SYNC-CLAMPED'), { ...auth(GLOBEX), prefer: 'respond-async, wait=3600' });
      const correlationId = await storedWhileWaiting('PR-SYNC-CLAMPED', pending.isAnswered);
      await accept(correlationId, 'PR-SYNC-CLAMPED', 'L-SYNC-2');
      const answer = await pending.response;
      expect(answer.status).toBe(201);
      expect(answer.headers.get('preference-applied')).toBe('wait=30');
    });

    it('replays an idempotency key with the answer the request has now: waiting with the original, 201 at once afterwards, 202 without Prefer', async () => {
      const key = { 'idempotency-key': 'sync-replayed-1' };
      // The first attempt times out (the partner's client gave up, say) ...
      const first = await post(requestBody('PR-SYNC-REPLAY'), { ...auth(GLOBEX), ...key, prefer: 'wait=1' });
      expect(first.status).toBe(202);
      const correlationId = first.body.correlationId as string;
      // ... two retries wait together on the same request ...
      const retries = [0, 1].map(() => postPending(requestBody('PR-SYNC-REPLAY'), { ...auth(GLOBEX), ...key, prefer: 'wait=20' }));
      await waitFor(async () => (await metricValue(/^labsync_sync_waiters\{/)) >= 2, { what: 'both retries to wait' });
      expect(retries.every((r) => !r.isAnswered())).toBe(true);
      await accept(correlationId, 'PR-SYNC-REPLAY', 'L-SYNC-3');
      for (const retry of await Promise.all(retries.map((r) => r.response))) {
        expect(retry.status).toBe(201);
        expect(retry.body).toMatchObject({ correlationId, labOrderId: 'L-SYNC-3' });
      }
      // ... a later one gets the answer from the read model at once, and one without Prefer the original 202.
      const later = await post(requestBody('PR-SYNC-REPLAY'), { ...auth(GLOBEX), ...key, prefer: 'wait=20' });
      expect(later.status).toBe(201);
      expect(later.body).toMatchObject({ correlationId, labOrderId: 'L-SYNC-3' });
      const plain = await post(requestBody('PR-SYNC-REPLAY'), { ...auth(GLOBEX), ...key });
      expect(plain.status).toBe(202);
      expect(plain.body).toEqual(first.body);

      expect(await storedRequests('portal_request_id = $1', ['PR-SYNC-REPLAY'])).toHaveLength(1);
      await drained(suite.submitted);
      expect(suite.submitted.payloads().filter((p) => p.request.portalRequestId === 'PR-SYNC-REPLAY')).toHaveLength(1);
    });

    it('drops the waiter of a partner that hangs up, and keeps its request', async () => {
      const hangUp = new AbortController();
      const pending = fetch(`${suite.url}/v1/test-requests`, {
        method: 'POST',
        headers: { ...auth(GLOBEX), 'content-type': 'application/json', prefer: 'wait=20' },
        body: JSON.stringify(requestBody('PR-SYNC-HANGUP')),
        signal: hangUp.signal,
      }).catch((error: unknown) => error);
      const correlationId = await storedWhileWaiting('PR-SYNC-HANGUP', () => false);
      const abandonedBefore = (await metricValue(/^labsync_sync_waits_total\{.*outcome="abandoned"/)) || 0;
      hangUp.abort();
      expect(await pending).toMatchObject({ name: 'AbortError' });
      await waitFor(async () => (await metricValue(/^labsync_sync_waits_total\{.*outcome="abandoned"/)) === abandonedBefore + 1, { what: 'the abandoned wait' });
      expect(await metricValue(/^labsync_sync_waiters\{/)).toBe(0);
      expect((await get(correlationId, GLOBEX)).status).toBe(200);
    });

    it('counts every wait by outcome and times it', async () => {
      expect(await metricValue(/^labsync_sync_waits_total\{.*partner="globex".*outcome="accepted"/)).toBe(5);
      expect(await metricValue(/^labsync_sync_waits_total\{.*partner="globex".*outcome="rejected"/)).toBe(2);
      expect(await metricValue(/^labsync_sync_waits_total\{.*partner="globex".*outcome="timeout"/)).toBe(1);
      expect(await metricValue(/^labsync_sync_waits_total\{.*partner="acme".*outcome="timeout"/)).toBe(1);
      expect(await metricValue(/^labsync_sync_wait_clamped_total\{.*partner="globex"/)).toBe(1);
      expect(await metricValue(/^labsync_sync_wait_seconds_count\{.*outcome="accepted"/)).toBe(5);
      expect(await metricValue(/^labsync_sync_wait_seconds_bucket\{(?=.*le="0\.5")(?=.*outcome="timeout")/)).toBe(0);
    });
  });
});
