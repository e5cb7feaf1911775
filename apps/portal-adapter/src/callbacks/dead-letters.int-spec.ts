import { randomUUID } from 'node:crypto';
import {
  CorrelationStatusChanged,
  Topic,
  notificationIdFor,
  type CorrelationSnapshot,
  type RecordedResult,
  type TimelineEntry,
} from '@labsync/contracts';
import { TopicNaming, createKafka } from '@labsync/messaging';
import { createLogger } from '@labsync/observability';
import { startService, type RunningService } from '@labsync/service-runtime';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS, dropSchemas, FakePortal, freePort, httpJson, runCli, sql, TopicReader, uniqueSchema, uniqueTopicPrefix, waitFor, deleteTestTopics, publishCorrelationSnapshots } from '@labsync/testing';
import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import { portalAdapter } from '../portal-adapter.definition';

const OPERATOR_KEY = 'operator-key-for-dead-letter-tests';
const MAX_ATTEMPTS = 3;
const ACME = { id: 'acme', apiKey: 'acme-dl-api-key', callbackSecret: 'acme-dl-callback-secret' };
const GLOBEX = { id: 'globex', apiKey: 'globex-dl-api-key', callbackSecret: 'globex-dl-callback-secret' };
const SECRETS: Record<string, string> = { acme: ACME.callbackSecret, globex: GLOBEX.callbackSecret };

type Step = { status: TimelineEntry['status']; source: TimelineEntry['source']; labOrderId?: string } | { result: Omit<RecordedResult, 'seq' | 'reportedAt'> };

/** Cumulative snapshots, as the correlation-tracker publishes them: version k holds the first k steps. */
function snapshotsOf(correlationId: string, partnerId: string, steps: Step[]): CorrelationSnapshot[] {
  const start = Date.parse('2026-11-20T08:00:00Z');
  const at = (seq: number) => new Date(start + seq * 60_000).toISOString();
  return steps.map((_, index) => {
    const timeline: TimelineEntry[] = [];
    const results: RecordedResult[] = [];
    let labOrderId: string | null = null;
    steps.slice(0, index + 1).forEach((step, i) => {
      const seq = i + 1;
      if ('result' in step) results.push({ ...step.result, seq, reportedAt: at(seq) });
      else {
        timeline.push({ seq, at: at(seq), status: step.status, source: step.source });
        labOrderId = step.labOrderId ?? labOrderId;
      }
    });
    return CorrelationStatusChanged.payload.parse({
      correlationId,
      partnerId,
      portalRequestId: `PR-${correlationId.slice(0, 8)}`,
      status: timeline[timeline.length - 1]!.status,
      labOrderId,
      version: index + 1,
      updatedAt: at(index + 1),
      timeline,
      results,
    });
  });
}

const LIFECYCLE: Step[] = [
  { status: 'RECEIVED', source: 'portal' },
  { status: 'DISPATCHED', source: 'labsync' },
  { status: 'ACCEPTED_BY_LAB', source: 'lab', labOrderId: 'L-1' },
  { status: 'IN_PROGRESS', source: 'lab' },
  { result: { sampleId: 'S-1', testCode: 'PH', resultStatus: 'preliminary', analytes: [{ name: 'pH', value: 7.1, unit: '' }], labEventId: 'lab-e-1' } },
  { status: 'RESULTS_PARTIAL', source: 'labsync' },
  { result: { sampleId: 'S-1', testCode: 'PH', resultStatus: 'final', analytes: [{ name: 'pH', value: 7.2, unit: '' }], labEventId: 'lab-e-2' } },
  { status: 'COMPLETED', source: 'lab' },
];
/** RECEIVED (seq 1) is never sent to the portal. */
const NOTIFIED_SEQS = [2, 3, 4, 5, 6, 7, 8];

describe('dead-lettered callbacks and their replay (real Kafka, real Postgres, a failing partner portal)', () => {
  const schema = uniqueSchema('portal_dead_letters');
  const prefix = uniqueTopicPrefix('portal-dead-letters');
  const naming = new TopicNaming(prefix);
  const portal = new FakePortal(SECRETS);
  const logger = createLogger('portal-dead-letters-int', 'warn');
  let service: RunningService;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let deadLettered: TopicReader<typeof Topic.portalCallbackDeadLetters>;
  let succeeded: TopicReader<typeof Topic.portalDeliverySucceeded>;
  let url: string;

  const operator = { authorization: `Bearer ${OPERATOR_KEY}` };
  const listDead = (query = '', headers: Record<string, string> = operator) => httpJson('GET', `${url}/v1/operator/dead-letters${query}`, undefined, headers);
  const replay = (notificationId: string, headers: Record<string, string> = operator) =>
    httpJson('POST', `${url}/v1/operator/dead-letters/${notificationId}/replay`, undefined, headers);
  const replayMatching = (body: unknown, headers: Record<string, string> = operator) => httpJson('POST', `${url}/v1/operator/dead-letters/replay`, body, headers);
  const cliEnv = () => ({ PORTAL_ADAPTER_URL: url, OPERATOR_API_KEY: OPERATOR_KEY });

  const rows = (correlationId: string) =>
    sql<{ seq: number; state: string; attempts: number; dead_at: Date | null; last_error: string | null; replays: number }>(
      `SELECT seq, state, attempts, dead_at, last_error, replays FROM "${schema}".callback_deliveries WHERE correlation_id = $1 ORDER BY seq`,
      [correlationId],
    );
  const stateOf = async (correlationId: string, seq: number) => (await rows(correlationId)).find((r) => r.seq === seq)?.state;

  async function metric(line: RegExp): Promise<number> {
    const text = await (await fetch(`${url}/metrics`)).text();
    return Number(text.split('\n').find((l) => line.test(l))?.split(' ').pop() ?? NaN);
  }

  const publishLifecycle = (correlationId: string, partnerId: string) => publishCorrelationSnapshots(producer, naming, snapshotsOf(correlationId, partnerId, LIFECYCLE));

  /** A correlation whose portal answers 500: its first notification (seq 2) is dead-lettered. */
  async function deadCorrelation(partnerId = 'acme'): Promise<string> {
    const correlationId = randomUUID();
    portal.failing.add(correlationId);
    await publishLifecycle(correlationId, partnerId);
    await waitFor(async () => (await stateOf(correlationId, 2)) === 'DEAD', { what: `seq 2 of ${correlationId} to be dead-lettered` });
    return correlationId;
  }

  /** The portal acknowledged each notification of the correlation exactly once, in seq order, none overlapping. */
  function expectDeliveredOnceInOrder(correlationId: string): void {
    const expected = NOTIFIED_SEQS.map((seq) => notificationIdFor(correlationId, seq));
    expect(portal.acknowledgedIds(correlationId)).toEqual(expected);
    const seqOf = new Map(expected.map((id, i) => [id, NOTIFIED_SEQS[i]!]));
    const attempted = portal.of(correlationId).map((a) => seqOf.get(a.eventId)!);
    expect(attempted).toEqual([...attempted].sort((a, b) => a - b));
    expect(portal.of(correlationId).every((a) => a.concurrent === 1)).toBe(true);
  }

  beforeAll(async () => {
    await portal.start();
    service = await startService(portalAdapter, {
      ...process.env,
      DATABASE_URL: TEST_DATABASE_URL,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS,
      DB_SCHEMA: schema,
      KAFKA_TOPIC_PREFIX: prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      // These tests fail callbacks on purpose; every attempt would log a warning and every dead letter an error.
      LOG_LEVEL: 'fatal',
      NODE_ENV: 'test',
      PARTNERS: JSON.stringify([ACME, GLOBEX].map((p) => ({ ...p, callbackUrl: `${portal.url}/${p.id}` }))),
      OPERATOR_API_KEY: OPERATOR_KEY,
      CALLBACK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      CALLBACK_RETRY_BASE_MS: '10',
      CALLBACK_RETRY_MAX_MS: '40',
      CALLBACK_TIMEOUT_MS: '3000',
      CALLBACK_CONCURRENCY: '4',
      CALLBACK_POLL_MS: '100',
    });
    url = service.url;
    kafka = createKafka({ brokers: TEST_KAFKA_BROKERS.split(','), clientId: 'portal-dead-letters-int', topicPrefix: '' }, logger);
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    deadLettered = new TopicReader(kafka, naming, Topic.portalCallbackDeadLetters);
    succeeded = new TopicReader(kafka, naming, Topic.portalDeliverySucceeded);
    await Promise.all([deadLettered.start(), succeeded.start()]);
  });

  afterAll(async () => {
    await Promise.allSettled([deadLettered?.stop(), succeeded?.stop()]);
    await service?.close();
    await producer?.disconnect();
    await deleteTestTopics(admin, prefix);
    await portal.stop();
    await dropSchemas([schema]);
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
    expect((await httpJson('GET', `${url}/v1/test-requests/${correlationId}`, undefined, operator)).status).toBe(401);

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

  describe('npm run labsync -- dead-letters (the CLI, spawned)', () => {
    it('lists and replays dead-lettered callbacks through the operator API', async () => {
      const correlationId = await deadCorrelation('globex');
      const head = notificationIdFor(correlationId, 2);

      const listed = await runCli(['dead-letters', 'list', '--correlation', correlationId], cliEnv());
      expect(listed).toMatchObject({ code: 0, stderr: '' });
      expect(listed.stdout).toContain('1 dead-lettered callback:');
      expect(listed.stdout).toContain(`${head}  partner globex  correlation ${correlationId} seq 2  status.changed  ${MAX_ATTEMPTS} attempts`);
      expect(listed.stdout).toContain(`holds ${NOTIFIED_SEQS.length - 1} later notifications`);
      expect(listed.stdout).toContain('last error: HTTP 500: portal is broken');

      const json = await runCli(['dead-letters', 'list', '--partner', 'globex', '--json'], cliEnv());
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout).deadLetters.map((d: { notificationId: string }) => d.notificationId)).toContain(head);

      portal.failing.delete(correlationId);
      const replayed = await runCli(['dead-letters', 'replay', head], cliEnv());
      expect(replayed).toMatchObject({ code: 0, stderr: '' });
      expect(replayed.stdout).toContain(`replayed ${head} (partner globex, correlation ${correlationId} seq 2): queued for delivery now`);
      await waitFor(() => portal.acknowledged(correlationId).length === NOTIFIED_SEQS.length, { what: 'delivery after the CLI replay' });
      expectDeliveredOnceInOrder(correlationId);

      // Replaying what is not dead (any more), or does not exist: exit 1, with the reason.
      const unknownId = randomUUID();
      const again = await runCli(['dead-letters', 'replay', head, unknownId], cliEnv());
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`not replayed ${head}: This callback is DELIVERED, not DEAD`);
      expect(again.stderr).toContain(`not replayed ${unknownId}: No callback with this notification id exists.`);
      expectDeliveredOnceInOrder(correlationId);
    });

    it('replays by filter, and says so when nothing matched', async () => {
      const correlationId = await deadCorrelation('acme');
      portal.failing.delete(correlationId);
      const replayed = await runCli(['dead-letters', 'replay', '--correlation', correlationId, '--json'], cliEnv());
      expect(replayed.code).toBe(0);
      expect(JSON.parse(replayed.stdout)).toEqual({
        replayed: [{ notificationId: notificationIdFor(correlationId, 2), correlationId, seq: 2, partnerId: 'acme', replays: 1 }],
        notReplayed: [],
      });
      await waitFor(() => portal.acknowledged(correlationId).length === NOTIFIED_SEQS.length, { what: 'delivery after the CLI replay' });
      const nothing = await runCli(['dead-letters', 'replay', '--correlation', correlationId], cliEnv());
      expect(nothing).toMatchObject({ code: 0, stdout: 'No dead-lettered callbacks matched; nothing replayed.\n' });
      expectDeliveredOnceInOrder(correlationId);
    });

    it('fails clearly: bad command line (2), wrong key or unreachable portal-adapter (3)', async () => {
      const usage = await runCli(['dead-letters', 'replay'], cliEnv());
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/needs ids, a filter, or --all/);
      const badId = await runCli(['dead-letters', 'replay', 'nope'], cliEnv());
      expect(badId.code).toBe(2);
      expect(badId.stderr).toMatch(/not a notification id \(UUID\): nope/);
      expect((await runCli(['dead-letters', 'list', '--limit', '0'], cliEnv())).code).toBe(2);
      expect((await runCli(['dead-letters', 'frobnicate'], cliEnv())).code).toBe(2);

      const wrongKey = await runCli(['dead-letters', 'list'], { ...cliEnv(), OPERATOR_API_KEY: 'a-wrong-operator-key' });
      expect(wrongKey.code).toBe(3);
      expect(wrongKey.stderr).toMatch(/refused OPERATOR_API_KEY: The operator key is not valid/);
      const defaultKey = await runCli(['dead-letters', 'list'], { PORTAL_ADAPTER_URL: url });
      expect(defaultKey.code).toBe(3);
      expect(defaultKey.stderr).toMatch(/refused the development key \(OPERATOR_API_KEY is unset\)/);

      const unreachable = await runCli(['dead-letters', 'list'], { ...cliEnv(), PORTAL_ADAPTER_URL: `http://127.0.0.1:${await freePort()}` });
      expect(unreachable.code).toBe(3);
      expect(unreachable.stderr).toMatch(/cannot reach the portal-adapter at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); set PORTAL_ADAPTER_URL/);

      const help = await runCli(['--help'], {});
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/Exit codes: 0 done, 1 something could not be done, 2 bad command line, 3 service unreachable or key refused/);
    });
  });
});
