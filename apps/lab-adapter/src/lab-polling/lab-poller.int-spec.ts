import { randomUUID } from 'node:crypto';
import { startService, type RunningService } from '@labsync/service-runtime';
import { signPayload } from '@labsync/signatures';
import { dropSchemas, serviceTestEnv, sql, uniqueSchema, uniqueTopicPrefix, waitFor } from '@labsync/testing';
import { labAdapterService } from '../lab-adapter.definition';
import { FakeChangeFeed } from './fake-change-feed';

const SECRET = 'lab-poller-int-spec-webhook-secret';
const statusChange = (labOrderId: string, status: string) => ({
  eventId: randomUUID(),
  type: 'order.status-changed',
  occurredAt: new Date().toISOString(),
  data: { labOrderId, externalRef: 'corr-x', status },
});

/** The poller against a fake lab change feed, with two replicas on one schema (real Postgres and Kafka). */
describe('lab poller (two replicas in polling mode, real Postgres and Kafka, a fake change feed)', () => {
  const schema = uniqueSchema('lab_poll');
  const prefix = uniqueTopicPrefix('lab-poll');
  const feed = new FakeChangeFeed();
  const replicas: RunningService[] = [];
  /** Which feed address each replica polls (so each poll is attributed to one replica). */
  const callerOf = new Map<RunningService, string>();
  let env: Record<string, string | undefined>;

  const inbox = async () => (await sql<{ event_id: string }>(`SELECT event_id FROM "${schema}".lab_inbox ORDER BY arrival`)).map((r) => r.event_id);
  const watermark = async () => (await sql<{ cursor: string | null }>(`SELECT cursor FROM "${schema}".lab_poll_watermark WHERE feed = 'lab'`))[0]!.cursor;
  const leaderGauge = async (replica: RunningService) => {
    const text = await (await fetch(`${replica.url}/metrics`)).text();
    return Number(/^labsync_lab_poll_leader\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
  };
  const leaders = async () => Promise.all(replicas.map(leaderGauge));

  beforeAll(async () => {
    await feed.start('replica-a', 'replica-b');
    env = serviceTestEnv(
      { schema, topicPrefix: prefix, logLevel: 'error' },
      {
        DB_POOL_SIZE: '3',
        LAB_BASE_URL: feed.url,
        LAB_WEBHOOK_SECRET: SECRET,
        LAB_EVENTS_MODE: 'polling',
        LAB_POLL_INTERVAL_MS: '100',
        LAB_POLL_PAGE_SIZE: '5',
        LAB_POLL_MAX_BACKOFF_MS: '800',
      },
    );
    // One after the other, so the first one's migrations are in place for the second.
    for (const caller of ['replica-a', 'replica-b']) {
      const replica = await startService(labAdapterService, { ...env, LAB_BASE_URL: feed.urlOf(caller) });
      callerOf.set(replica, caller);
      replicas.push(replica);
    }
  }, 90_000);

  afterEach(() => {
    feed.failWith = null;
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await feed.stop();
    await dropSchemas([schema]);
  });

  it('has exactly one replica polling, and stores every change once in feed order, paging through a backlog', async () => {
    await waitFor(async () => (await leaders()).reduce((a, b) => a + b, 0) === 1, { timeoutMs: 20_000, what: 'one poller among two replicas' });
    const added = Array.from({ length: 23 }, (_, i) => feed.add(statusChange(`LO-${i % 4}`, 'IN_PROGRESS')));
    await waitFor(async () => (await watermark()) === '23', { timeoutMs: 20_000, what: 'watermark at the last change' });
    expect(await inbox()).toEqual(added.map((c) => c.eventId));
    // Pages of 5: the full ones were followed at once, and no page was asked for twice from the same cursor
    // while it was moving (one poller).
    const asked = feed.requests.map((r) => r.since);
    for (const cursor of ['5', '10', '15', '20']) expect(asked).toContain(cursor);
    expect(feed.requests.every((r) => r.limit === 5)).toBe(true);
    expect((await leaders()).sort()).toEqual([0, 1]);
  });

  it('stores a change that also came by webhook once', async () => {
    const change = statusChange('LO-HOOK', 'COMPLETED');
    const raw = JSON.stringify(change);
    const response = await fetch(`${replicas[0]!.url}/v1/lab/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-labsync-signature': signPayload(SECRET, raw), 'x-labsync-event-id': change.eventId },
      body: raw,
    });
    expect(response.status).toBe(202);
    const positioned = feed.add(change);
    const after = feed.add(statusChange('LO-HOOK', 'CANCELLED'));
    await waitFor(async () => (await watermark()) === after.cursor, { timeoutMs: 20_000, what: 'the watermark past the webhook change' });
    const ids = await inbox();
    expect(ids.filter((id) => id === positioned.eventId)).toHaveLength(1);
    expect(ids.at(-1)).toBe(after.eventId);
  });

  it('backs off while the lab fails, and catches up when it is back', async () => {
    feed.failWith = 503;
    const before = feed.requests.length;
    const missed = feed.add(statusChange('LO-DOWN', 'IN_PROGRESS'));
    const failing = await waitFor(() => feed.requests.length >= before + 6 && feed.requests.slice(before), { timeoutMs: 20_000, intervalMs: 50, what: 'six polls of a failing lab' });
    // Polls follow each other at 100 ms while the lab answers; while it fails the gaps grow: after the n-th
    // failure the wait is between half and all of min(800, 100 * 2^(n-1)) ms.
    const gaps = failing.slice(1).map((r, i) => r.at - failing[i]!.at);
    expect(gaps[3]).toBeGreaterThanOrEqual(390);
    expect(gaps[4]).toBeGreaterThanOrEqual(390);
    expect(Math.min(gaps[3]!, gaps[4]!)).toBeGreaterThan(gaps[0]!);
    expect(await watermark()).not.toBe(missed.cursor);
    feed.failWith = null;
    await waitFor(async () => (await watermark()) === missed.cursor, { timeoutMs: 20_000, what: 'catch-up after the outage' });
    expect((await inbox()).filter((id) => id === missed.eventId)).toHaveLength(1);
  });

  it('holds before a change that fails validation, storing the ones before it', async () => {
    const good = feed.add(statusChange('LO-BAD', 'IN_PROGRESS'));
    const bad = feed.add({ ...statusChange('LO-BAD', 'DONE') });
    const behind = feed.add(statusChange('LO-BAD', 'COMPLETED'));
    await waitFor(async () => (await watermark()) === good.cursor, { timeoutMs: 20_000, what: 'the watermark at the last valid change' });
    // A few more polls happen; it stays there.
    const polls = feed.requests.length;
    await waitFor(() => feed.requests.length >= polls + 2, { timeoutMs: 20_000, what: 'two more polls' });
    expect(await watermark()).toBe(good.cursor);
    const ids = await inbox();
    expect(ids).toContain(good.eventId);
    expect(ids).not.toContain(bad.eventId);
    expect(ids).not.toContain(behind.eventId);
    // The lab corrects it (same event id, valid body): polling resumes.
    feed.changes[Number(bad.cursor) - 1] = { ...bad, data: { ...bad.data, status: 'IN_PROGRESS' } };
    await waitFor(async () => (await watermark()) === behind.cursor, { timeoutMs: 20_000, what: 'the watermark past the corrected change' });
  });

  it('hands polling to the other replica when the poller stops, from the durable watermark', async () => {
    const states = await leaders();
    const leaderIndex = states.indexOf(1);
    expect(leaderIndex).toBeGreaterThanOrEqual(0);
    const [stopped] = replicas.splice(leaderIndex, 1);
    await stopped!.close();
    const survivor = replicas[0]!;
    const from = await watermark();
    // Polls made before the stop do not count: the old leader asked from `from` too, while idle.
    const oldLeaderPolls = feed.requestsBy(callerOf.get(stopped!)!).length;
    const survivorPollsBefore = feed.requestsBy(callerOf.get(survivor)!).length;
    const added = Array.from({ length: 7 }, () => feed.add(statusChange('LO-TAKEOVER', 'IN_PROGRESS')));
    await waitFor(async () => (await watermark()) === added.at(-1)!.cursor, { timeoutMs: 20_000, what: 'the other replica polling' });
    expect(await leaderGauge(survivor)).toBe(1);
    const ids = await inbox();
    for (const change of added) expect(ids.filter((id) => id === change.eventId)).toHaveLength(1);
    // The new poller (and only it) fetched the new changes, starting where the old one stopped.
    expect(feed.requestsBy(callerOf.get(stopped!)!)).toHaveLength(oldLeaderPolls);
    const newLeaderPolls = feed.requestsBy(callerOf.get(survivor)!).slice(survivorPollsBefore);
    expect(newLeaderPolls[0]?.since).toBe(from);
    expect(ids).toHaveLength(new Set(ids).size);
  });
});
