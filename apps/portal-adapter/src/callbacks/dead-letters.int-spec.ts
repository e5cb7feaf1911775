import { randomUUID } from 'node:crypto';
import { Topic, notificationIdFor } from '@labsync/contracts';
import { httpJson, waitFor, type TopicReader } from '@labsync/testing';
import { NOTIFIED_SEQS } from '../../test/correlation-snapshots';
import { ACME, MAX_ATTEMPTS, OPERATOR_KEY, deadLetterSuite } from '../../test/dead-letter-suite';

/** The operator API over dead-lettered callbacks; the CLI over it: dead-letters-cli.int-spec.ts. */
describe('dead-lettered callbacks and their replay (real Kafka, real Postgres, a failing partner portal)', () => {
  const suite = deadLetterSuite('portal-dead-letters');
  const { portal, operator, listDead, replay, replayMatching, rows, stateOf, metric, publishLifecycle, deadCorrelation, expectDeliveredOnceInOrder } = suite;
  let deadLettered: TopicReader<typeof Topic.portalCallbackDeadLetters>;
  let succeeded: TopicReader<typeof Topic.portalDeliverySucceeded>;

  beforeAll(async () => {
    [deadLettered, succeeded] = await Promise.all([suite.run.kafka.reader(Topic.portalCallbackDeadLetters), suite.run.kafka.reader(Topic.portalDeliverySucceeded)]);
  });

  it('dead-letters a callback after CALLBACK_MAX_ATTEMPTS, publishes it on the dead-letter topic, and holds the later notifications of its correlation', async () => {
    const correlationId = await deadCorrelation('acme');
    const head = notificationIdFor(correlationId, 2);

    const [dead, ...held] = await rows(correlationId);
    expect(dead).toMatchObject({ seq: 2, state: 'DEAD', attempts: MAX_ATTEMPTS, last_error: 'HTTP 500: portal is broken', replays: 0 });
    expect(dead!.dead_at).toBeInstanceOf(Date);
    expect(held.map((r) => [r.seq, r.state, r.attempts])).toEqual(NOTIFIED_SEQS.slice(1).map((seq) => [seq, 'PENDING', 0]));

    await waitFor(() => deadLettered.records.some((r) => r.envelope.payload.notificationId === head), { what: 'portal.callback-dead-lettered on the topic' });
    const events = deadLettered.records.filter((r) => r.envelope.payload.correlationId === correlationId);
    expect(events).toHaveLength(1);
    expect(events[0]!.key).toBe(correlationId);
    expect(events[0]!.envelope).toMatchObject({ type: 'portal.callback-dead-lettered', correlationId, causationId: head, sourceSystem: 'portal-adapter' });
    expect(events[0]!.envelope.payload).toEqual({
      notificationId: head,
      correlationId,
      seq: 2,
      partnerId: 'acme',
      attempts: MAX_ATTEMPTS,
      lastError: 'HTTP 500: portal is broken',
      deadAt: dead!.dead_at!.toISOString(),
    });

    // Another correlation, published afterwards, is delivered in full: the worker is busy and well, and
    // still never touches what waits behind the dead letter.
    const healthy = randomUUID();
    await publishLifecycle(healthy, 'acme');
    await waitFor(() => portal.acknowledged(healthy).length === NOTIFIED_SEQS.length, { what: 'the healthy correlation to be delivered' });
    expectDeliveredOnceInOrder(healthy);
    expect(portal.of(correlationId).map((a) => [a.eventId, a.answered])).toEqual(Array(MAX_ATTEMPTS).fill([head, 500]));
    expect((await rows(correlationId)).map((r) => r.state)).toEqual(['DEAD', ...Array(NOTIFIED_SEQS.length - 1).fill('PENDING')]);

    expect(await metric(/^labsync_callbacks_dead_lettered_total\{.*partner="acme"/)).toBe(1);
    expect(await metric(/^labsync_callback_deliveries_dead\{/)).toBe(1);
    expect(await metric(/^labsync_callback_attempts_total\{.*partner="acme".*outcome="rejected"/)).toBe(MAX_ATTEMPTS);

    // The operator sees it, with what it holds back.
    const list = await listDead(`?correlationId=${correlationId}`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      total: 1,
      deadLetters: [
        {
          notificationId: head,
          correlationId,
          seq: 2,
          partnerId: 'acme',
          type: 'status.changed',
          attempts: MAX_ATTEMPTS,
          lastError: 'HTTP 500: portal is broken',
          deadAt: dead!.dead_at!.toISOString(),
          createdAt: expect.any(String),
          replays: 0,
          lastReplayedAt: null,
          heldNotifications: NOTIFIED_SEQS.length - 1,
        },
      ],
    });
    expect((await listDead('?partnerId=globex')).body).toEqual({ total: 0, deadLetters: [] });
  });

  it('replays a dead letter: delivered once, then the rest of its correlation in order, and every delivery-succeeded follows (DELIVERED is reachable)', async () => {
    const correlationId = await deadCorrelation('globex');
    const head = notificationIdFor(correlationId, 2);
    portal.failing.delete(correlationId);

    const replayed = await replay(head);
    expect(replayed.status).toBe(202);
    expect(replayed.body).toEqual({ notificationId: head, correlationId, seq: 2, partnerId: 'globex', replays: 1 });

    await waitFor(() => portal.acknowledged(correlationId).length === NOTIFIED_SEQS.length, { what: 'every notification after the replay' });
    expectDeliveredOnceInOrder(correlationId);
    expect(portal.of(correlationId).map((a) => a.answered)).toEqual([...Array(MAX_ATTEMPTS).fill(500), ...Array(NOTIFIED_SEQS.length).fill(200)]);
    await waitFor(async () => (await rows(correlationId)).every((r) => r.state === 'DELIVERED'), { what: 'every row DELIVERED' });
    expect((await rows(correlationId))[0]).toMatchObject({ state: 'DELIVERED', attempts: 1, replays: 1, dead_at: null, last_error: null });

    // What the correlation-tracker needs to mark the request DELIVERED: delivery-succeeded for every seq.
    await waitFor(() => succeeded.payloads().filter((p) => p.correlationId === correlationId).length === NOTIFIED_SEQS.length, {
      what: 'delivery-succeeded for every notification',
    });
    const acknowledgedSeqs = succeeded.payloads().filter((p) => p.correlationId === correlationId).map((p) => p.seq);
    expect([...acknowledgedSeqs].sort((a, b) => a - b)).toEqual(NOTIFIED_SEQS);

    // Replaying it again is refused (it was delivered), and changes nothing.
    const again = await replay(head);
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(again.body).toMatchObject({ status: 409, notificationId: head, state: 'DELIVERED', detail: expect.stringMatching(/DELIVERED, not DEAD/) });
    expect((await listDead(`?correlationId=${correlationId}`)).body.total).toBe(0);
    expect(await metric(/^labsync_callback_replays_total\{.*partner="globex"/)).toBe(1);
  });

  it('never delivers one event twice: a double replay, a burst of concurrent replays, and replays racing the worker', async () => {
    // A burst: 12 single replays and 3 filtered replays of one dead letter at once; exactly one wins.
    const burst = await deadCorrelation('acme');
    const burstHead = notificationIdFor(burst, 2);
    portal.failing.delete(burst);
    portal.answerDelayMs = 150;
    try {
      const [singles, filtered] = await Promise.all([
        Promise.all(Array.from({ length: 12 }, () => replay(burstHead))),
        Promise.all(Array.from({ length: 3 }, () => replayMatching({ correlationId: burst }))),
      ]);
      const wins = singles.filter((r) => r.status === 202).length + filtered.reduce((n, r) => n + (r.body.count as number), 0);
      expect(wins).toBe(1);
      expect(singles.filter((r) => r.status !== 202).every((r) => r.status === 409 && ['PENDING', 'DELIVERED'].includes(r.body.state))).toBe(true);
      expect(filtered.every((r) => r.status === 202)).toBe(true);
      // While the replayed delivery is in flight (a slow portal), replaying again is refused.
      const during = await replay(burstHead);
      expect(during.status).toBe(409);
      await waitFor(() => portal.acknowledged(burst).length === NOTIFIED_SEQS.length, { what: 'the burst correlation to be delivered' });
      expectDeliveredOnceInOrder(burst);
    } finally {
      portal.answerDelayMs = 0;
    }

    // Racing the worker: while the portal keeps failing, the operator replays again and again; each replay
    // lands between two of the worker's attempt rounds (or is refused while one runs). Then the portal heals.
    const racing = await deadCorrelation('acme');
    const racingHead = notificationIdFor(racing, 2);
    const outcomes: number[] = [];
    await waitFor(
      async () => {
        outcomes.push((await replay(racingHead)).status);
        return outcomes.filter((s) => s === 202).length >= 4;
      },
      { intervalMs: 5, timeoutMs: 30000, what: 'four replays to win against the worker' },
    );
    expect(outcomes.every((s) => s === 202 || s === 409)).toBe(true);
    // Some replays arrived while the worker held the delivery (PENDING): refused, never sent twice.
    expect(outcomes.filter((s) => s === 409).length).toBeGreaterThan(0);
    portal.failing.delete(racing);
    // The last round may be dead already (or about to be): replay until the worker takes it and delivers.
    await waitFor(
      async () => {
        if ((await stateOf(racing, 2)) === 'DEAD') await replay(racingHead);
        return portal.acknowledged(racing).length === NOTIFIED_SEQS.length;
      },
      { what: 'the racing correlation to be delivered' },
    );
    expectDeliveredOnceInOrder(racing);
    expect(portal.of(racing).filter((a) => a.eventId === racingHead && a.answered === 500).length).toBeGreaterThanOrEqual(MAX_ATTEMPTS * 4);
    const [head] = await rows(racing);
    expect(head).toMatchObject({ state: 'DELIVERED' });
    expect(head!.replays).toBeGreaterThanOrEqual(4);
    await waitFor(() => succeeded.payloads().filter((p) => p.correlationId === racing).length === NOTIFIED_SEQS.length, { what: 'delivery-succeeded of the racing correlation' });
    expect(succeeded.payloads().filter((p) => p.notificationId === racingHead)).toHaveLength(1);
  });

  it('replays many by filter (partner, correlation, or all), never touching what does not match', async () => {
    const [a1, a2, g1] = [await deadCorrelation('acme'), await deadCorrelation('acme'), await deadCorrelation('globex')];
    const before = (await listDead('?limit=1000')).body;
    expect(before.deadLetters.map((d: { correlationId: string }) => d.correlationId)).toEqual(expect.arrayContaining([a1, a2, g1]));

    // A filter that matches nothing replays nothing.
    expect((await replayMatching({ correlationId: 'no-such-correlation' })).body).toEqual({ replayed: [], count: 0 });

    portal.failing.delete(g1);
    const globex = await replayMatching({ partnerId: 'globex' });
    expect(globex.status).toBe(202);
    expect(globex.body.replayed.map((r: { correlationId: string }) => r.correlationId)).toEqual([g1]);
    await waitFor(() => portal.acknowledged(g1).length === NOTIFIED_SEQS.length, { what: 'the globex correlation to be delivered' });
    expectDeliveredOnceInOrder(g1);
    expect(await stateOf(a1, 2)).toBe('DEAD');
    expect(await stateOf(a2, 2)).toBe('DEAD');

    // Every portal is healthy again (the dead letter of the first test included): replay everything.
    portal.failing.clear();
    const limited = await replayMatching({ all: true, limit: 1 });
    expect(limited.body.count).toBe(1);
    const everything = await replayMatching({ all: true });
    expect(limited.body.count + everything.body.count).toBe(before.total - 1);
    await waitFor(() => [a1, a2].every((c) => portal.acknowledged(c).length === NOTIFIED_SEQS.length), { what: 'both acme correlations to be delivered' });
    for (const c of [a1, a2, g1]) expectDeliveredOnceInOrder(c);
    await waitFor(async () => (await listDead()).body.total === 0, { what: 'no dead letter left' });
    await waitFor(async () => (await metric(/^labsync_callback_deliveries_dead\{/)) === 0, { what: 'the DEAD gauge to drop to 0' });
  });

  it('guards the operator API with OPERATOR_API_KEY and answers bad input with problem+json, changing nothing', async () => {
    const correlationId = await deadCorrelation('acme');
    const head = notificationIdFor(correlationId, 2);
    const attempts: Record<string, string>[] = [{}, { authorization: `Bearer ${ACME.apiKey}` }, { authorization: 'Bearer not-the-operator-key' }, { authorization: `Basic ${OPERATOR_KEY}` }];
    for (const headers of attempts) {
      for (const response of [await listDead('', headers), await replay(head, headers), await replayMatching({ all: true }, headers)]) {
        expect(response.status).toBe(401);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="labsync-operator"/);
      }
    }
    // The operator key is not a partner key either.
    expect((await httpJson('GET', `${suite.url}/v1/test-requests/${correlationId}`, undefined, operator)).status).toBe(401);

    const badQuery = await listDead('?limit=0&partner=acme');
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.errors).toEqual(
      expect.arrayContaining([
        { path: '/', message: 'unknown parameter "partner"' },
        { path: '/limit', message: 'limit must be at least 1' },
      ]),
    );
    const noFilter = await replayMatching({});
    expect(noFilter.status).toBe(400);
    expect(noFilter.body.errors).toEqual([{ path: '/', message: 'give partnerId, correlationId, or "all": true to replay every dead letter' }]);
    expect((await replayMatching(undefined)).status).toBe(400);
    expect((await replayMatching({ all: 'yes' })).body.errors).toEqual([{ path: '/all', message: 'all must be true (or left out)' }]);

    const notUuid = await replay('not-a-uuid');
    expect(notUuid.status).toBe(400);
    expect(notUuid.body).toMatchObject({ status: 400, notificationId: 'not-a-uuid', detail: expect.stringMatching(/must be a UUID/) });
    const unknown = await replay(randomUUID());
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // A notification that is waiting (PENDING, behind the dead letter) is not a dead letter.
    const waiting = await replay(notificationIdFor(correlationId, 3));
    expect(waiting.status).toBe(409);
    expect(waiting.body).toMatchObject({ state: 'PENDING' });

    expect(await rows(correlationId)).toEqual(expect.arrayContaining([expect.objectContaining({ seq: 2, state: 'DEAD', replays: 0 })]));
    portal.failing.delete(correlationId);
    expect((await replay(head)).status).toBe(202);
    await waitFor(() => portal.acknowledged(correlationId).length === NOTIFIED_SEQS.length, { what: 'delivery after the refused attempts' });
    expectDeliveredOnceInOrder(correlationId);
  });
});
