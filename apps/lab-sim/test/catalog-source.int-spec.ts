import { startService, type RunningService } from '@labsync/service-runtime';
import { TEST_DATABASE_URL, dropSchemas, freePort, httpJson, sql, uniqueSchema, waitFor } from '@labsync/testing';
import { CATALOG } from '../src/catalog/catalog';
import { labSimService } from '../src/lab-sim.definition';

interface Entry {
  code: string;
  name: string;
  matrix: string | null;
  unit: string;
  turnaroundHours: number;
  priceCents: number;
  active: boolean;
  updatedAt: string;
}

/** lab-sim's tables in a database of their own (LAB_SIM_DATABASE_URL), as CDC on a private cluster needs. */
const OWN_DATABASE_URL = (() => {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${url.pathname.slice(1)}_labsim`;
  return url.toString();
})();

const entry = (name: string, extra: Record<string, unknown> = {}) => ({ name, matrix: 'water', unit: 'mg/L', turnaroundHours: 48, priceCents: 2500, ...extra });

describe('lab-sim catalog, the system of record (in-process, real Postgres)', () => {
  const schema = uniqueSchema('labsim_catalog');
  let lab: RunningService;
  const inOwnDatabase = <T extends Record<string, unknown>>(text: string, values: unknown[] = []) => sql<T>(text, values, OWN_DATABASE_URL);
  const put = (code: string, body: unknown, query = '') => httpJson('PUT', `${lab.url}/sim/catalog/${encodeURIComponent(code)}${query}`, body);
  const order = (externalRef: string, tests: string[]) =>
    httpJson('POST', `${lab.url}/api/orders`, {
      externalRef,
      customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
      priority: 'standard',
      samples: [{ sampleId: 'S-1', matrix: 'water', collectedAt: '2026-11-20T08:00:00Z', tests }],
    });
  /** Every row through watermark pages from `since`, following `next` until `hasMore` is false. */
  const readByWatermark = async (since: string, limit: number) => {
    const rows: Entry[] = [];
    let position: { updatedSince: string; after?: string } = { updatedSince: since };
    for (let pages = 0; ; pages++) {
      const query = new URLSearchParams({ ...position, limit: String(limit) });
      const { status, body } = await httpJson('GET', `${lab.url}/api/catalog?${query}`);
      expect(status).toBe(200);
      rows.push(...body.tests);
      if (!body.hasMore) return { rows, pages: pages + 1 };
      position = body.next;
    }
  };
  const readSnapshot = async (limit: number) => {
    const rows: Entry[] = [];
    for (let cursor = ''; ; ) {
      const { status, body } = await httpJson('GET', `${lab.url}/api/catalog?cursor=${encodeURIComponent(cursor)}&limit=${limit}`);
      expect(status).toBe(200);
      rows.push(...body.tests);
      if (body.nextCursor === null) return rows;
      cursor = body.nextCursor;
    }
  };
  const tableFingerprint = async () =>
    (await inOwnDatabase<{ f: string | null }>(`SELECT md5(string_agg(t::text, ',' ORDER BY code)) AS f FROM "${schema}".catalog_tests t`))[0]!.f;

  beforeAll(async () => {
    lab = await startService(labSimService, {
      // Unreachable on purpose: lab-sim must use LAB_SIM_DATABASE_URL alone.
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/unused',
      LAB_SIM_DATABASE_URL: OWN_DATABASE_URL,
      DB_SCHEMA: schema,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      DB_POOL_SIZE: '4',
      LAB_SIM_WEBHOOKS: '0',
      LAB_SIM_AUTO: '1',
      LAB_SIM_AUTO_STEP_MS: '20',
    });
  });

  afterAll(async () => {
    await lab?.close();
    await dropSchemas([schema], OWN_DATABASE_URL);
  });

  it('keeps its tables in the database LAB_SIM_DATABASE_URL names, seeded with the catalog it always had', async () => {
    const [{ n }] = (await inOwnDatabase<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".catalog_tests`)) as [{ n: string }];
    expect(Number(n)).toBe(CATALOG.length);
    expect(await sql(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema])).toEqual([]);

    const { status, body } = await httpJson('GET', `${lab.url}/api/catalog`);
    expect(status).toBe(200);
    expect(body.tests.map((t: Entry) => [t.code, t.name, t.matrix, t.unit])).toEqual(
      [...CATALOG].sort((a, b) => (a.code < b.code ? -1 : 1)).map((t) => [t.code, t.name, t.matrix, t.unit]),
    );
    expect(body.tests.find((t: Entry) => t.code === 'NITRATE')).toMatchObject({
      unit: 'mg/L',
      analytes: [{ name: 'Nitrate (as N)', limit: 10 }, { name: 'Nitrite (as N)' }],
      turnaroundHours: 48,
      priceCents: 2800,
      active: true,
    });
    expect(body.tests.find((t: Entry) => t.code === 'LEAD')).not.toHaveProperty('matrix');
  });

  it('reads rows sharing one updatedAt across page boundaries exactly once, in (updatedAt, code) order', async () => {
    const stamp = '2026-11-21T09:00:00.000Z';
    const codes = Array.from({ length: 23 }, (_, i) => `TIE-${String(i).padStart(2, '0')}`);
    for (const code of codes) expect((await put(code, entry(`Tie ${code}`), `?updatedAt=${stamp}`)).status).toBe(201);
    expect((await put('TIE-LATER', entry('Later'), '?updatedAt=2026-11-21T09:00:00.001Z')).status).toBe(201);

    const { rows, pages } = await readByWatermark('2026-11-21T09:00:00.000Z', 5);
    const mine = rows.filter((r) => r.code.startsWith('TIE-'));
    expect(mine.map((r) => r.code)).toEqual([...codes, 'TIE-LATER']);
    expect(new Set(rows.map((r) => r.code)).size).toBe(rows.length);
    expect(pages).toBeGreaterThan(4);
    expect(mine.slice(0, 23).every((r) => r.updatedAt === stamp)).toBe(true);

    // after is the tie-break: the rows of the same stamp after it, then the later ones.
    const { body } = await httpJson('GET', `${lab.url}/api/catalog?updatedSince=${stamp}&after=TIE-20&limit=3`);
    expect(body.tests.map((r: Entry) => r.code)).toEqual(['TIE-21', 'TIE-22', 'TIE-LATER']);
    expect(body.next).toEqual({ updatedSince: '2026-11-21T09:00:00.001Z', after: 'TIE-LATER' });
  });

  it('writes without moving updatedAt on ?keepUpdatedAt=1, and stamps a given time on ?updatedAt=', async () => {
    const created = await put('KEEP', entry('Kept stamp'));
    expect(created.status).toBe(201);
    const changed = await put('KEEP', entry('Kept stamp, renamed', { priceCents: 9900 }), '?keepUpdatedAt=1');
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ name: 'Kept stamp, renamed', priceCents: 9900, updatedAt: created.body.updatedAt });
    // A watermark reader already past the stamp does not see that change (the documented limit)...
    const { body: after } = await httpJson('GET', `${lab.url}/api/catalog?updatedSince=${created.body.updatedAt}&after=KEEP&limit=10000`);
    expect(after.tests.map((r: Entry) => r.code)).not.toContain('KEEP');
    // ... and a snapshot does.
    expect((await readSnapshot(1000)).find((r) => r.code === 'KEEP')).toMatchObject({ name: 'Kept stamp, renamed' });

    const past = await put('KEEP', entry('Committed late'), '?updatedAt=2020-01-01T00:00:00.123456Z');
    expect(past.body.updatedAt).toBe('2020-01-01T00:00:00.123Z');
    const moved = await put('KEEP', entry('Saved again'));
    expect(Date.parse(moved.body.updatedAt)).toBeGreaterThan(Date.parse(past.body.updatedAt));
  });

  it('accepts orders for active codes of the table, refuses retired and unknown ones, and works new codes with default analytes', async () => {
    const created = await put('NEWCODE', entry('New method', { unit: 'µg/L' }));
    expect(created.status).toBe(201);
    const accepted = await order(`new-code-${schema}`, ['NEWCODE', 'PH']);
    expect(accepted.status).toBe(201);
    const completed = await waitFor(
      async () => {
        const { body } = await httpJson('GET', `${lab.url}/api/orders/${accepted.body.labOrderId}`);
        return body.status === 'COMPLETED' ? body : undefined;
      },
      { timeoutMs: 15000, what: 'the auto-pilot to complete the order' },
    );
    const finals = completed.results.filter((r: { resultStatus: string }) => r.resultStatus === 'final');
    expect(finals.find((r: { testCode: string }) => r.testCode === 'NEWCODE').analytes).toEqual([expect.objectContaining({ name: 'New method', unit: 'µg/L' })]);

    const retired = await httpJson('POST', `${lab.url}/sim/catalog/NEWCODE/retire`);
    expect(retired.status).toBe(200);
    expect(retired.body).toMatchObject({ code: 'NEWCODE', active: false });
    expect(Date.parse(retired.body.updatedAt)).toBeGreaterThan(Date.parse(created.body.updatedAt));
    const again = await httpJson('POST', `${lab.url}/sim/catalog/NEWCODE/retire`);
    expect(again.body.updatedAt).toBe(retired.body.updatedAt);

    const refused = await order(`retired-code-${schema}`, ['NEWCODE', 'NOSUCH']);
    expect(refused.status).toBe(422);
    expect(refused.body.reasons).toEqual(['sample S-1: test code "NEWCODE" is retired', 'sample S-1: unknown test code "NOSUCH"']);
    // Retired: gone from the unpaged list, still seen by watermark and snapshot readers.
    expect((await httpJson('GET', `${lab.url}/api/catalog`)).body.tests.map((t: Entry) => t.code)).not.toContain('NEWCODE');
    const { body: since } = await httpJson('GET', `${lab.url}/api/catalog?updatedSince=${retired.body.updatedAt}`);
    expect(since.tests).toEqual([expect.objectContaining({ code: 'NEWCODE', active: false })]);
  });

  it('hard-deletes: the row is gone from every read and orders for it are refused', async () => {
    expect((await put('DOOMED', entry('To be deleted'))).status).toBe(201);
    expect((await httpJson('DELETE', `${lab.url}/sim/catalog/DOOMED`)).status).toBe(204);
    expect(await inOwnDatabase(`SELECT code FROM "${schema}".catalog_tests WHERE code = 'DOOMED'`)).toEqual([]);
    expect((await readSnapshot(3)).map((r) => r.code)).not.toContain('DOOMED');
    expect((await readByWatermark('1970-01-01T00:00:00Z', 1000)).rows.map((r) => r.code)).not.toContain('DOOMED');
    expect((await httpJson('DELETE', `${lab.url}/sim/catalog/DOOMED`)).status).toBe(404);
    expect((await httpJson('POST', `${lab.url}/sim/catalog/DOOMED/retire`)).status).toBe(404);
    expect((await order(`deleted-code-${schema}`, ['DOOMED'])).body.reasons).toEqual(['sample S-1: unknown test code "DOOMED"']);
  });

  it('pages a snapshot in code order with an opaque cursor, every row once', async () => {
    const rows = await readSnapshot(4);
    const [{ n }] = (await inOwnDatabase<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".catalog_tests`)) as [{ n: string }];
    expect(rows).toHaveLength(Number(n));
    const codes = rows.map((r) => r.code);
    expect(codes).toEqual([...codes].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1)));
    expect(new Set(codes).size).toBe(codes.length);
    expect(Object.keys(rows[0]!).sort()).toEqual(['active', 'code', 'matrix', 'name', 'priceCents', 'turnaroundHours', 'unit', 'updatedAt']);
  });

  it('refuses bad input with a 400 or 422 naming the field, and changes nothing', async () => {
    const before = await tableFingerprint();
    const refusals: [string, string, unknown, number, string][] = [
      ['PUT', '/sim/catalog/ph', entry('lower case'), 400, '/code'],
      ['PUT', '/sim/catalog/A%20B', entry('space'), 400, '/code'],
      ['PUT', `/sim/catalog/${'X'.repeat(33)}`, entry('too long'), 400, '/code'],
      ['PUT', '/sim/catalog/PH', { ...entry('pH'), priceCents: '1200' }, 400, '/priceCents'],
      ['PUT', '/sim/catalog/PH', { ...entry('pH'), turnaroundHours: 1.5 }, 400, '/turnaroundHours'],
      ['PUT', '/sim/catalog/PH', { ...entry('pH'), active: 'yes' }, 400, '/active'],
      ['PUT', '/sim/catalog/PH', { ...entry('pH'), colour: 'red' }, 400, '/'],
      ['PUT', '/sim/catalog/PH', { unit: 'pH' }, 400, '/name'],
      ['PUT', '/sim/catalog/PH', { ...entry('pH'), code: 'LEAD' }, 422, '/code'],
      ['PUT', '/sim/catalog/PH?keepUpdatedAt=1&updatedAt=2026-01-01T00:00:00Z', entry('pH'), 400, '/updatedAt'],
      ['PUT', '/sim/catalog/PH?keepUpdatedAt=yes', entry('pH'), 400, '/keepUpdatedAt'],
      ['PUT', '/sim/catalog/PH?updatedAt=yesterday', entry('pH'), 400, '/updatedAt'],
      ['POST', '/sim/catalog/generate', { count: 0 }, 400, '/count'],
      ['POST', '/sim/catalog/generate', { count: '10' }, 400, '/count'],
      ['POST', '/sim/catalog/generate', { count: 1_000_001 }, 400, '/count'],
      ['POST', '/sim/catalog/ph/retire', undefined, 400, '/code'],
      ['DELETE', '/sim/catalog/p%20h', undefined, 400, '/code'],
      ['GET', '/api/catalog?limit=0', undefined, 400, '/limit'],
      ['GET', '/api/catalog?limit=10001', undefined, 400, '/limit'],
      ['GET', '/api/catalog?limit=-1', undefined, 400, '/limit'],
      ['GET', '/api/catalog?limit=1&limit=2', undefined, 400, '/limit'],
      ['GET', '/api/catalog?cursor=garbage', undefined, 400, '/cursor'],
      ['GET', `/api/catalog?cursor=${Buffer.from('{"after":"lower"}').toString('base64url')}`, undefined, 400, '/cursor'],
      ['GET', '/api/catalog?updatedSince=2026-11-20', undefined, 400, '/updatedSince'],
      ['GET', '/api/catalog?after=PH', undefined, 400, '/after'],
      ['GET', '/api/catalog?updatedSince=2026-11-20T00:00:00Z&after=p%20h', undefined, 400, '/after'],
      ['GET', '/api/catalog?updatedSince=2026-11-20T00:00:00Z&cursor=', undefined, 400, '/cursor'],
      ['GET', '/api/catalog?since=2026-11-20T00:00:00Z', undefined, 400, '/'],
    ];
    for (const [method, path, body, status, field] of refusals) {
      const response = await httpJson(method, `${lab.url}${path}`, body);
      expect({ method, path, status: response.status }).toEqual({ method, path, status });
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect(await tableFingerprint()).toBe(before);
  });

  it('generates 100,000 entries in one call, all sharing one stamp, each read once by watermark pages', async () => {
    const started = Date.now();
    const { status, body } = await httpJson('POST', `${lab.url}/sim/catalog/generate`, { count: 100_000 });
    const generateMs = Date.now() - started;
    expect(status).toBe(200);
    expect(body).toMatchObject({ generated: 100_000, first: 'GEN-0000001', last: 'GEN-0100000' });
    process.stdout.write(`lab-sim: POST /sim/catalog/generate { count: 100000 } took ${generateMs} ms\n`);

    const readStarted = Date.now();
    const { rows, pages } = await readByWatermark(body.updatedAt, 10_000);
    process.stdout.write(`lab-sim: read 100,000 tied rows in ${pages} watermark pages in ${Date.now() - readStarted} ms\n`);
    const generated = rows.filter((r) => r.code.startsWith('GEN-'));
    expect(generated).toHaveLength(100_000);
    expect(new Set(generated.map((r) => r.code)).size).toBe(100_000);
    expect(generated.every((r) => r.updatedAt === body.updatedAt)).toBe(true);

    const next = await httpJson('POST', `${lab.url}/sim/catalog/generate`, { count: 2 });
    expect(next.body).toMatchObject({ generated: 2, first: 'GEN-0100001', last: 'GEN-0100002' });
  });
});
