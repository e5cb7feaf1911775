import { HEADERS, TOPICS, Topic, createEnvelope, type CatalogEntry, type TopicMap } from '@labsync/contracts';
import { AppProcess, TEST_DATABASE_URL, dropSchemas, freePort, httpJson, uniqueSchema, waitFor, type TopicReader } from '@labsync/testing';
import { PortalAdapterUnderTest } from '../../test/portal-adapter-under-test';

type CatalogChange = TopicMap[typeof Topic.catalogEntries];
type SimEntry = Record<string, unknown> & { code: string; writes: number; origin: string };

const ACME = { id: 'acme', apiKey: 'acme-catalog-push-key', callbackSecret: 'acme-catalog-push-secret', callbackUrl: 'http://127.0.0.1:9/acme' };
const entry = (code: string, extra: Partial<CatalogEntry> = {}): CatalogEntry => ({
  code,
  name: `Test ${code}`,
  matrix: 'water',
  unit: 'mg/L',
  turnaroundHours: 48,
  priceCents: 2500,
  active: true,
  updatedAt: '2026-11-20T10:00:00.000Z',
  ...extra,
});
const upserted = (entity: CatalogEntry): CatalogChange => ({ kind: 'upserted', entityId: entity.code, entity });
const deleted = (code: string): CatalogChange => ({ kind: 'deleted', entityId: code, deletedAt: '2026-11-21T10:00:00.000Z', detectedBy: 'source' });
const { event } = TOPICS[Topic.catalogEntries];
const envelopeOf = (payload: CatalogChange) => createEnvelope({ type: event.type, schemaVersion: event.version, correlationId: payload.entityId, sourceSystem: 'lab-adapter', payload });

/**
 * The catalog's direct push (CATALOG_SYNC_PUSH=direct): entity events published as the lab-adapter's capture
 * does, portal-sim as the target (a process from dist/: an app never imports another), one portal-adapter per delete policy (real Kafka, Postgres).
 */
describe('catalog sync, direct push to the portal (real Kafka, real Postgres, portal-sim in-process)', () => {
  const portalSchema = uniqueSchema('catalog_push_portal');
  let portal: AppProcess;
  const runs: Record<'retire' | 'delete' | 'ignore', PortalAdapterUnderTest> = {} as never;
  let pushOff: PortalAdapterUnderTest;
  let deadLetters: TopicReader<typeof Topic.deadLetter>;

  const simCatalog = async () => (await httpJson<{ tests: SimEntry[] }>('GET', `${portal.url}/sim/catalog`)).body.tests;
  const simEntry = async (code: string) => (await simCatalog()).find((t) => t.code === code);
  const publish = async (run: PortalAdapterUnderTest, values: (ReturnType<typeof envelopeOf> | { tombstone: string })[]) => {
    await run.kafka.producer.send({
      topic: run.naming.physical(Topic.catalogEntries),
      acks: -1,
      messages: values.map((value) =>
        'tombstone' in value
          ? { key: value.tombstone, value: null }
          : { key: value.payload.entityId, value: JSON.stringify(value), headers: { [HEADERS.eventId]: value.eventId } },
      ),
    });
  };
  const pushed = (run: PortalAdapterUnderTest, changes: CatalogChange[]) => publish(run, changes.map(envelopeOf));
  const writes = (run: PortalAdapterUnderTest, outcome: string) => run.metric(new RegExp(`^labsync_sync_target_writes_total\\{.*pipeline="catalog".*outcome="${outcome}"`)).then((n) => (Number.isNaN(n) ? 0 : n));
  const entryWith = (code: string, check: (e: SimEntry) => boolean, what: string) => waitFor(async () => {
    const found = await simEntry(code);
    return found && check(found) ? found : undefined;
  }, { what });

  beforeAll(async () => {
    portal = await new AppProcess({
      app: 'portal-sim',
      port: await freePort(),
      label: 'catalog-push-portal-sim',
      env: { DATABASE_URL: TEST_DATABASE_URL, DB_SCHEMA: portalSchema, LOG_LEVEL: 'warn', DB_POOL_SIZE: '4' },
    }).start();
    for (const policy of ['retire', 'delete', 'ignore'] as const) {
      runs[policy] = new PortalAdapterUnderTest({
        label: `catalog-push-${policy}`,
        partners: [ACME],
        logLevel: 'fatal',
        settings: { PORTAL_API_URL: portal.url, CATALOG_SYNC_DELETES: policy, CONSUMER_MAX_ATTEMPTS: '40' },
      });
    }
    pushOff = new PortalAdapterUnderTest({ label: 'catalog-push-off', partners: [ACME], logLevel: 'fatal', settings: { PORTAL_API_URL: portal.url, CATALOG_SYNC_PUSH: 'off' } });
    await Promise.all([...Object.values(runs), pushOff].map((run) => run.start()));
    deadLetters = await runs.retire.kafka.reader(Topic.deadLetter);
  }, 120_000);

  afterEach(async () => {
    await httpJson('DELETE', `${portal.url}/sim/faults`);
  });

  afterAll(async () => {
    await Promise.allSettled([...Object.values(runs), pushOff].map((run) => run?.stop()));
    await portal?.stop();
    await dropSchemas([portalSchema]);
  });

  it('creates the record, then updates it keeping the displayName and featured a portal user set in between', async () => {
    const run = runs.retire;
    await pushed(run, [upserted(entry('NO3'))]);
    const created = await entryWith('NO3', (e) => e.writes === 1, 'NO3 in the portal');
    expect(created).toMatchObject({ ...entry('NO3'), origin: 'labsync', displayName: null, featured: false });

    expect((await httpJson('PATCH', `${portal.url}/sim/catalog/NO3`, { displayName: 'Nitrate', featured: true })).status).toBe(200);
    await pushed(run, [upserted(entry('NO3', { priceCents: 3100, updatedAt: '2026-11-20T11:00:00.000Z' }))]);
    const updated = await entryWith('NO3', (e) => e.writes === 2, 'the update of NO3');
    expect(updated).toMatchObject({ ...entry('NO3', { priceCents: 3100, updatedAt: '2026-11-20T11:00:00.000Z' }), displayName: 'Nitrate', featured: true });
  });

  it('writes once for the same event twice and for the same entity again (redelivered, replayed)', async () => {
    const run = runs.retire;
    const first = envelopeOf(upserted(entry('CL')));
    await publish(run, [first]);
    await entryWith('CL', (e) => e.writes === 1, 'CL in the portal');
    const unchangedBefore = await writes(run, 'unchanged');
    // The same envelope again (the consumer's idempotency), then the same entity in a new event (the hash check).
    await publish(run, [first, envelopeOf(upserted(entry('CL', { updatedAt: '2026-11-20T12:00:00.000Z' })))]);
    await waitFor(async () => (await writes(run, 'unchanged')) === unchangedBefore + 1, { what: 'the replayed entity to be seen as unchanged' });
    expect((await simEntry('CL'))!.writes).toBe(1);
  });

  it('retires a deleted test by default (CATALOG_SYNC_DELETES=retire), keeping its portal fields; the tombstone is acknowledged', async () => {
    const run = runs.retire;
    await pushed(run, [upserted(entry('ZN'))]);
    await entryWith('ZN', (e) => e.writes === 1, 'ZN in the portal');
    await httpJson('PATCH', `${portal.url}/sim/catalog/ZN`, { displayName: 'Zinc', featured: true });
    await publish(run, [envelopeOf(deleted('ZN')), { tombstone: 'ZN' }]);
    const retired = await entryWith('ZN', (e) => e.active === false, 'ZN retired');
    expect(retired).toMatchObject({ ...entry('ZN', { active: false }), displayName: 'Zinc', featured: true, writes: 2 });
    expect(await writes(run, 'retired')).toBeGreaterThanOrEqual(1);
  });

  it('deletes with CATALOG_SYNC_DELETES=delete and leaves the record with ignore', async () => {
    await pushed(runs.delete, [upserted(entry('DEL-1'))]);
    await pushed(runs.ignore, [upserted(entry('IGN-1'))]);
    await entryWith('DEL-1', (e) => e.writes === 1, 'DEL-1 in the portal');
    await entryWith('IGN-1', (e) => e.writes === 1, 'IGN-1 in the portal');
    await publish(runs.delete, [envelopeOf(deleted('DEL-1')), { tombstone: 'DEL-1' }]);
    await publish(runs.ignore, [envelopeOf(deleted('IGN-1')), { tombstone: 'IGN-1' }]);
    await waitFor(async () => (await simEntry('DEL-1')) === undefined, { what: 'DEL-1 deleted in the portal' });
    await waitFor(async () => (await writes(runs.ignore, 'unchanged')) >= 1, { what: 'the ignored delete' });
    expect(await simEntry('IGN-1')).toMatchObject({ ...entry('IGN-1'), writes: 1 });
    expect(await writes(runs.delete, 'deleted')).toBe(1);
  });

  it('never touches a record created in the portal when other codes are deleted', async () => {
    const own = await httpJson('POST', `${portal.url}/sim/catalog`, { code: 'PORTAL-OWN', name: 'Starter bundle', displayName: 'Starter', featured: true });
    expect(own.status).toBe(201);
    const before = await simEntry('PORTAL-OWN');
    for (const run of Object.values(runs)) await pushed(run, [deleted('NEVER-HAD'), upserted(entry('AFTER-OWN'))]);
    await entryWith('AFTER-OWN', (e) => e.writes >= 1, 'the change after the deletes');
    await waitFor(async () => (await Promise.all(Object.values(runs).map((run) => writes(run, 'written')))).every((n) => n >= 1), { what: 'every run to have pushed' });
    expect(await simEntry('PORTAL-OWN')).toEqual(before);
  });

  it('writes nothing with CATALOG_SYNC_PUSH=off, and acknowledges the changes', async () => {
    await pushed(pushOff, [upserted(entry('OFF-1')), deleted('NO3')]);
    await waitFor(async () => (await pushOff.metric(/^labsync_events_consumed_total\{.*topic="labsync.catalog.entries.v1".*outcome="processed"/)) === 2, { what: 'both changes consumed' });
    expect(await simEntry('OFF-1')).toBeUndefined();
    expect(await simEntry('NO3')).toMatchObject({ active: true });
    expect(await pushOff.metric(/^labsync_sync_target_writes_total\{/)).toBeNaN();
  });

  it('retries while the portal is down, then writes', async () => {
    const run = runs.retire;
    const failedBefore = await writes(run, 'failed');
    expect((await httpJson('POST', `${portal.url}/sim/faults`, { down: true })).status).toBeLessThan(300);
    await pushed(run, [upserted(entry('DOWN-1'))]);
    await waitFor(async () => (await writes(run, 'failed')) > failedBefore, { what: 'a failed attempt while the portal is down' });
    await httpJson('DELETE', `${portal.url}/sim/faults`);
    await entryWith('DOWN-1', (e) => e.writes === 1, 'DOWN-1 written once the portal is back');
    expect(deadLetters.records.filter((r) => r.envelope.payload.originalKey === 'DOWN-1')).toEqual([]);
  });

  it('sets aside a record the portal refuses (4xx) with its reason, and applies the next change', async () => {
    const run = runs.retire;
    // The contract allows any name; the portal takes at most 200 characters.
    await pushed(run, [upserted(entry('LONG', { name: 'n'.repeat(201) })), upserted(entry('LONG'))]);
    await entryWith('LONG', (e) => e.writes === 1 && e.name === 'Test LONG', 'the next change of LONG');
    const dead = await waitFor(() => deadLetters.records.find((r) => r.envelope.payload.originalKey === 'LONG'), { what: 'the refused change dead-lettered' });
    expect(dead.envelope.payload.reason).toMatch(/^permanent failure: the portal refused catalog code "LONG": HTTP 4\d\d: .*name/);
    expect(dead.envelope.payload.reason).not.toContain('n'.repeat(201));
    // Only the refused change was set aside: the tombstones and the retries of this suite were not.
    await waitFor(() => deadLetters.caughtUp(), { what: 'the dead-letter topic read' });
    expect(deadLetters.records.map((r) => r.envelope.payload.originalKey)).toEqual(['LONG']);
  });
});
