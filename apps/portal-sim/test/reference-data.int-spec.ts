import { startService, type RunningService } from '@labsync/service-runtime';
import { TEST_DATABASE_URL, dropSchemas, freePort, httpJson, sql, uniqueSchema } from '@labsync/testing';
import { portalSimService } from '../src/portal-sim.definition';

const lead = { name: 'Lead (ICP-MS)', matrix: null, unit: 'µg/L', turnaroundHours: 72, priceCents: 4500, active: true, updatedAt: '2026-11-20T10:00:00.000Z' };
const account = (name: string, extra: Record<string, unknown> = {}) => ({ name, email: 'qa@acme.example', phone: '+1 555 0100', addressLine1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US', ...extra });

describe('portal-sim reference data: the catalog copy and the customer accounts (in-process, real Postgres)', () => {
  const schema = uniqueSchema('portalsim_ref');
  let portal: RunningService;
  const simCatalog = async () => (await httpJson('GET', `${portal.url}/sim/catalog`)).body.tests as Record<string, unknown>[];
  const simEntry = async (code: string) => (await simCatalog()).find((t) => t['code'] === code);
  const fingerprint = async (table: string, key: string) =>
    (await sql<{ f: string | null }>(`SELECT md5(string_agg(t::text, ',' ORDER BY ${key})) AS f FROM "${schema}".${table} t`))[0]!.f;
  const expectRefused = async (refusals: [string, string, unknown, number, string][]) => {
    for (const [method, path, body, status, field] of refusals) {
      const response = await httpJson(method, `${portal.url}${path}`, body);
      expect({ method, path, status: response.status }).toEqual({ method, path, status });
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
  };

  beforeAll(async () => {
    portal = await startService(portalSimService, {
      DATABASE_URL: TEST_DATABASE_URL,
      DB_SCHEMA: schema,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      NODE_ENV: 'test',
      DB_POOL_SIZE: '4',
    });
  });

  afterEach(async () => {
    await httpJson('DELETE', `${portal.url}/sim/faults`);
  });

  afterAll(async () => {
    await portal?.close();
    await dropSchemas([schema]);
  });

  describe('catalog copy', () => {
    it('replaces the whole entry on PUT: fields left out, the portal-only ones included, are cleared; writes counts', async () => {
      const created = await httpJson('PUT', `${portal.url}/api/catalog/LEAD`, { code: 'LEAD', ...lead, displayName: 'Lead in water', featured: true });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ code: 'LEAD', ...lead, displayName: 'Lead in water', featured: true });
      expect(await simEntry('LEAD')).toMatchObject({ origin: 'labsync', writes: 1, displayName: 'Lead in water', featured: true });

      // What labsync sends when it knows only the lab's fields: the portal's own are lost (the staged push's problem).
      const replaced = await httpJson('PUT', `${portal.url}/api/catalog/LEAD`, { name: 'Lead', unit: 'µg/L' });
      expect(replaced.status).toBe(200);
      expect(replaced.body).toEqual({ code: 'LEAD', name: 'Lead', matrix: null, unit: 'µg/L', turnaroundHours: null, priceCents: null, active: true, updatedAt: null, displayName: null, featured: false });
      expect(await simEntry('LEAD')).toMatchObject({ origin: 'labsync', writes: 2, displayName: null, featured: false });
    });

    it('keeps portal users’ edits apart: PATCH and POST do not count as labsync writes, POST marks origin "portal"', async () => {
      await httpJson('PUT', `${portal.url}/api/catalog/PH`, { name: 'pH', unit: 'pH', matrix: 'water' });
      const patched = await httpJson('PATCH', `${portal.url}/sim/catalog/PH`, { displayName: 'Acidity', featured: true, matrix: null });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ code: 'PH', name: 'pH', unit: 'pH', matrix: null, displayName: 'Acidity', featured: true, origin: 'labsync', writes: 1 });

      const own = await httpJson('POST', `${portal.url}/sim/catalog`, { code: 'PORTAL-ONLY', name: 'Portal bundle', displayName: 'Starter bundle' });
      expect(own.status).toBe(201);
      expect(own.body).toMatchObject({ code: 'PORTAL-ONLY', origin: 'portal', writes: 0, unit: null, featured: false });
      expect((await httpJson('POST', `${portal.url}/sim/catalog`, { code: 'PORTAL-ONLY', name: 'Again' })).status).toBe(409);
      // labsync writing over a portal-created entry counts the write and leaves the origin.
      await httpJson('PUT', `${portal.url}/api/catalog/PORTAL-ONLY`, { name: 'Portal bundle', displayName: 'Starter bundle' });
      expect(await simEntry('PORTAL-ONLY')).toMatchObject({ origin: 'portal', writes: 1 });
      expect((await httpJson('PATCH', `${portal.url}/sim/catalog/NOSUCH`, { featured: true })).status).toBe(404);
    });

    it('answers one entry by code through the API, as PUT returned it; 404 when unknown, 400 for a malformed code', async () => {
      const put = await httpJson('PUT', `${portal.url}/api/catalog/ONE-READ`, { ...lead, displayName: 'One', featured: true });
      const read = await httpJson('GET', `${portal.url}/api/catalog/ONE-READ`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(put.body);
      expect((await httpJson('GET', `${portal.url}/api/catalog/NOSUCH`)).status).toBe(404);
      expect((await httpJson('GET', `${portal.url}/api/catalog/lower-case`)).status).toBe(400);
    });

    it('deletes through the API and at the portal; a second delete is 404', async () => {
      await httpJson('PUT', `${portal.url}/api/catalog/GONE-API`, { name: 'x' });
      await httpJson('POST', `${portal.url}/sim/catalog`, { code: 'GONE-SIM', name: 'y' });
      expect((await httpJson('DELETE', `${portal.url}/api/catalog/GONE-API`)).status).toBe(204);
      expect((await httpJson('DELETE', `${portal.url}/sim/catalog/GONE-SIM`)).status).toBe(204);
      expect(await sql(`SELECT code FROM "${schema}".catalog_copy WHERE code LIKE 'GONE-%'`)).toEqual([]);
      expect((await httpJson('DELETE', `${portal.url}/api/catalog/GONE-API`)).status).toBe(404);
      expect((await httpJson('DELETE', `${portal.url}/sim/catalog/GONE-SIM`)).status).toBe(404);
    });

    it('pages GET /api/catalog in code order with an opaque cursor, without the portal’s bookkeeping', async () => {
      for (let i = 0; i < 9; i++) await httpJson('PUT', `${portal.url}/api/catalog/PAGE-${i}`, { name: `Page ${i}` });
      const codes: string[] = [];
      for (let cursor = ''; ; ) {
        const { status, body } = await httpJson('GET', `${portal.url}/api/catalog?limit=4&cursor=${encodeURIComponent(cursor)}`);
        expect(status).toBe(200);
        for (const entry of body.tests) {
          expect(entry).not.toHaveProperty('writes');
          expect(entry).not.toHaveProperty('origin');
          codes.push(entry.code);
        }
        if (body.nextCursor === null) break;
        cursor = body.nextCursor;
      }
      expect(codes).toEqual((await simCatalog()).map((t) => t['code']));
      expect(codes).toEqual([...codes].sort());
      expect(codes.filter((c) => c.startsWith('PAGE-'))).toHaveLength(9);
      expect((await httpJson('GET', `${portal.url}/api/catalog`)).body.tests.map((t: { code: string }) => t.code)).toEqual(codes);
    });

    it('applies the portal’s injected faults to its API, not to /sim', async () => {
      await httpJson('POST', `${portal.url}/sim/faults`, { down: true });
      expect((await httpJson('PUT', `${portal.url}/api/catalog/PH`, { name: 'pH' })).status).toBe(503);
      expect((await httpJson('GET', `${portal.url}/api/catalog`)).status).toBe(503);
      expect((await httpJson('GET', `${portal.url}/sim/catalog`)).status).toBe(200);
      expect(await simEntry('PH')).toMatchObject({ writes: 1 });
    });

    it('refuses bad input with a 400 or 422 naming the field, and changes nothing', async () => {
      const before = await fingerprint('catalog_copy', 'code');
      await expectRefused([
        ['PUT', '/api/catalog/ph', { name: 'pH' }, 400, '/code'],
        ['PUT', '/api/catalog/P%20H', { name: 'pH' }, 400, '/code'],
        ['PUT', '/api/catalog/PH', { name: 'pH', featured: 'yes' }, 400, '/featured'],
        ['PUT', '/api/catalog/PH', { name: 'pH', priceCents: 12.5 }, 400, '/priceCents'],
        ['PUT', '/api/catalog/PH', { name: 'pH', writes: 0 }, 400, '/'],
        ['PUT', '/api/catalog/PH', { unit: 'pH' }, 400, '/name'],
        ['PUT', '/api/catalog/PH', { name: 'pH', updatedAt: 'now' }, 400, '/updatedAt'],
        ['PUT', '/api/catalog/PH', { code: 'LEAD', name: 'pH' }, 422, '/code'],
        ['DELETE', '/api/catalog/p%20h', undefined, 400, '/code'],
        ['PATCH', '/sim/catalog/PH', {}, 400, '/'],
        ['PATCH', '/sim/catalog/PH', { name: null }, 400, '/name'],
        ['PATCH', '/sim/catalog/PH', { origin: 'portal' }, 400, '/'],
        ['POST', '/sim/catalog', { name: 'no code' }, 400, '/code'],
        ['POST', '/sim/catalog', { code: 'bad code', name: 'x' }, 400, '/code'],
        ['GET', '/api/catalog?limit=0', undefined, 400, '/limit'],
        ['GET', '/api/catalog?limit=100000', undefined, 400, '/limit'],
        ['GET', '/api/catalog?cursor=%%%', undefined, 400, '/cursor'],
        ['GET', '/api/catalog?cursor=bm90LWEtY3Vyc29y', undefined, 400, '/cursor'],
        ['GET', '/api/catalog?updatedSince=2026-11-20T00:00:00Z', undefined, 400, '/updatedSince'],
      ]);
      expect(await fingerprint('catalog_copy', 'code')).toBe(before);
    });
  });

  describe('customer accounts, the system of record', () => {
    const put = (id: string, body: unknown, query = '') => httpJson('PUT', `${portal.url}/sim/customers/${encodeURIComponent(id)}${query}`, body);
    const readByWatermark = async (since: string, limit: number) => {
      const rows: { id: string; updatedAt: string; active: boolean; name: string }[] = [];
      let position: { updatedSince: string; after?: string } = { updatedSince: since };
      for (;;) {
        const { status, body } = await httpJson('GET', `${portal.url}/api/customers?${new URLSearchParams({ ...position, limit: String(limit) })}`);
        expect(status).toBe(200);
        rows.push(...body.customers);
        if (!body.hasMore) return rows;
        position = body.next;
      }
    };

    it('upserts whole accounts, clearing what a PUT leaves out', async () => {
      const created = await put('C-42', account('Acme Water Co'));
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example', phone: '+1 555 0100', addressLine2: null, active: true });
      const replaced = await put('C-42', { name: 'Acme Water Company' });
      expect(replaced.status).toBe(200);
      expect(replaced.body).toMatchObject({ name: 'Acme Water Company', email: null, phone: null, city: null, country: null });
      expect(Date.parse(replaced.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.updatedAt));
    });

    it('reads accounts sharing one updatedAt across page boundaries exactly once, in (updatedAt, id) order', async () => {
      const stamp = '2026-11-22T08:00:00.000Z';
      const ids = Array.from({ length: 17 }, (_, i) => `TIE-${String(i).padStart(2, '0')}`);
      for (const id of ids) expect((await put(id, account(`Tie ${id}`), `?updatedAt=${stamp}`)).status).toBe(201);
      const rows = await readByWatermark(stamp, 4);
      expect(rows.map((r) => r.id).filter((id) => id.startsWith('TIE-'))).toEqual(ids);
      expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
      const { body } = await httpJson('GET', `${portal.url}/api/customers?updatedSince=${stamp}&after=TIE-15&limit=1`);
      expect(body).toMatchObject({ customers: [{ id: 'TIE-16' }], next: { updatedSince: stamp, after: 'TIE-16' }, hasMore: true });
    });

    it('keeps the stamp on ?keepUpdatedAt=1, retires with a new stamp, and hard-deletes', async () => {
      const created = await put('C-KEEP', account('Keep Co'));
      const kept = await put('C-KEEP', account('Keep Co, renamed'), '?keepUpdatedAt=1');
      expect(kept.body).toMatchObject({ name: 'Keep Co, renamed', updatedAt: created.body.updatedAt });

      const retired = await httpJson('POST', `${portal.url}/sim/customers/C-KEEP/retire`);
      expect(retired.status).toBe(200);
      expect(retired.body).toMatchObject({ id: 'C-KEEP', active: false });
      expect(Date.parse(retired.body.updatedAt)).toBeGreaterThan(Date.parse(created.body.updatedAt));
      expect((await readByWatermark(retired.body.updatedAt, 10)).find((r) => r.id === 'C-KEEP')).toMatchObject({ active: false });

      expect((await httpJson('DELETE', `${portal.url}/sim/customers/C-KEEP`)).status).toBe(204);
      expect(await sql(`SELECT 1 FROM "${schema}".customer_accounts WHERE customer_id = 'C-KEEP'`)).toEqual([]);
      expect((await httpJson('DELETE', `${portal.url}/sim/customers/C-KEEP`)).status).toBe(404);
      expect((await httpJson('POST', `${portal.url}/sim/customers/C-KEEP/retire`)).status).toBe(404);
    });

    it('generates accounts in one call and serves them in snapshot pages, every one once', async () => {
      const { status, body } = await httpJson('POST', `${portal.url}/sim/customers/generate`, { count: 2500 });
      expect(status).toBe(200);
      expect(body).toMatchObject({ generated: 2500, first: 'CUST-0000001', last: 'CUST-0002500' });
      const ids: string[] = [];
      for (let cursor = ''; ; ) {
        const page = await httpJson('GET', `${portal.url}/api/customers?cursor=${encodeURIComponent(cursor)}&limit=1000`);
        ids.push(...page.body.customers.map((c: { id: string }) => c.id));
        if (page.body.nextCursor === null) break;
        cursor = page.body.nextCursor;
      }
      expect(ids.filter((id) => id.startsWith('CUST-'))).toHaveLength(2500);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual((await httpJson('GET', `${portal.url}/sim/customers`)).body.customers.map((c: { id: string }) => c.id));
    });

    it('refuses bad input with a 400 or 422 naming the field, and changes nothing', async () => {
      const before = await fingerprint('customer_accounts', 'customer_id');
      await expectRefused([
        ['PUT', '/sim/customers/C%2042', account('x'), 400, '/id'],
        ['PUT', '/sim/customers/-C', account('x'), 400, '/id'],
        ['PUT', '/sim/customers/C-42', account('x', { email: 'not-an-email' }), 400, '/email'],
        ['PUT', '/sim/customers/C-42', account('x', { active: 1 }), 400, '/active'],
        ['PUT', '/sim/customers/C-42', account('x', { creditHold: true }), 400, '/'],
        ['PUT', '/sim/customers/C-42', { email: 'qa@acme.example' }, 400, '/name'],
        ['PUT', '/sim/customers/C-42', account('x', { id: 'C-43' }), 422, '/id'],
        ['PUT', '/sim/customers/C-42?updatedAt=soon', account('x'), 400, '/updatedAt'],
        ['PUT', '/sim/customers/C-42?keepUpdatedAt=1&updatedAt=2026-01-01T00:00:00Z', account('x'), 400, '/updatedAt'],
        ['POST', '/sim/customers/generate', { count: -5 }, 400, '/count'],
        ['POST', '/sim/customers/generate', {}, 400, '/count'],
        ['GET', '/api/customers?limit=abc', undefined, 400, '/limit'],
        ['GET', '/api/customers?limit=10001', undefined, 400, '/limit'],
        ['GET', '/api/customers?cursor=garbage', undefined, 400, '/cursor'],
        ['GET', '/api/customers?after=C-42', undefined, 400, '/after'],
        ['GET', '/api/customers?updatedSince=not-a-date', undefined, 400, '/updatedSince'],
      ]);
      expect(await fingerprint('customer_accounts', 'customer_id')).toBe(before);
    });
  });
});
