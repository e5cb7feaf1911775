import { startService, type RunningService } from '@labsync/service-runtime';
import { TEST_DATABASE_URL, dropSchemas, freePort, httpJson, sql, uniqueSchema } from '@labsync/testing';
import { labSimService } from '../src/lab-sim.definition';

const portalRecord = (name: string, extra: Record<string, unknown> = {}) => ({
  id: 'C-42',
  name,
  email: 'qa@acme.example',
  phone: '+1 555 0100',
  addressLine1: '1 Main St',
  addressLine2: 'Unit 4',
  city: 'Springfield',
  postalCode: '12345',
  country: 'US',
  active: true,
  updatedAt: '2026-11-20T10:00:00.000Z',
  ...extra,
});

describe('lab-sim customer copy (in-process, real Postgres)', () => {
  const schema = uniqueSchema('labsim_customers');
  let lab: RunningService;
  const simCustomer = async (id: string) => ((await httpJson('GET', `${lab.url}/sim/customers`)).body.customers as Record<string, unknown>[]).find((c) => c['id'] === id);
  const fingerprint = async () => (await sql<{ f: string | null }>(`SELECT md5(string_agg(t::text, ',' ORDER BY customer_id)) AS f FROM "${schema}".customer_accounts t`))[0]!.f;

  beforeAll(async () => {
    lab = await startService(labSimService, {
      DATABASE_URL: TEST_DATABASE_URL,
      DB_SCHEMA: schema,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      DB_POOL_SIZE: '4',
      LAB_SIM_WEBHOOKS: '0',
    });
  });

  afterEach(async () => {
    await httpJson('DELETE', `${lab.url}/sim/faults`);
  });

  afterAll(async () => {
    await lab?.close();
    await dropSchemas([schema]);
  });

  it('replaces the whole account on PUT: fields left out, the lab-only creditHold included, are cleared; writes counts', async () => {
    const created = await httpJson('PUT', `${lab.url}/api/customers/C-42`, portalRecord('Acme Water Co', { creditHold: true }));
    expect(created.status).toBe(201);
    expect(created.body).toEqual(portalRecord('Acme Water Co', { creditHold: true }));
    expect(await simCustomer('C-42')).toMatchObject({ origin: 'labsync', writes: 1, creditHold: true });

    const replaced = await httpJson('PUT', `${lab.url}/api/customers/C-42`, { name: 'Acme Water Company', email: 'ops@acme.example' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({
      id: 'C-42',
      name: 'Acme Water Company',
      email: 'ops@acme.example',
      phone: null,
      addressLine1: null,
      addressLine2: null,
      city: null,
      postalCode: null,
      country: null,
      active: true,
      updatedAt: null,
      creditHold: false,
    });
    expect(await simCustomer('C-42')).toMatchObject({ writes: 2, creditHold: false });
  });

  it('keeps lab users’ edits apart: PATCH and POST do not count as labsync writes, POST marks origin "lab"', async () => {
    const held = await httpJson('PATCH', `${lab.url}/sim/customers/C-42`, { creditHold: true, phone: '+1 555 0199' });
    expect(held.status).toBe(200);
    expect(held.body).toMatchObject({ id: 'C-42', name: 'Acme Water Company', creditHold: true, phone: '+1 555 0199', writes: 2, origin: 'labsync' });
    const cleared = await httpJson('PATCH', `${lab.url}/sim/customers/C-42`, { phone: null });
    expect(cleared.body).toMatchObject({ phone: null, creditHold: true });

    const own = await httpJson('POST', `${lab.url}/sim/customers`, { id: 'LAB-WALKIN', name: 'Walk-in customer' });
    expect(own.status).toBe(201);
    expect(own.body).toMatchObject({ id: 'LAB-WALKIN', origin: 'lab', writes: 0, email: null, creditHold: false, updatedAt: null });
    expect((await httpJson('POST', `${lab.url}/sim/customers`, { id: 'LAB-WALKIN', name: 'Again' })).status).toBe(409);
    await httpJson('PUT', `${lab.url}/api/customers/LAB-WALKIN`, { name: 'Walk-in customer' });
    expect(await simCustomer('LAB-WALKIN')).toMatchObject({ origin: 'lab', writes: 1 });
    expect((await httpJson('PATCH', `${lab.url}/sim/customers/NOSUCH`, { creditHold: true })).status).toBe(404);
  });

  it('pages GET /api/customers in id order, without the lab’s bookkeeping, and deletes', async () => {
    for (let i = 0; i < 5; i++) await httpJson('PUT', `${lab.url}/api/customers/PAGE-${i}`, { name: `Page ${i}` });
    const ids: string[] = [];
    for (let cursor = ''; ; ) {
      const { status, body } = await httpJson('GET', `${lab.url}/api/customers?limit=2&cursor=${encodeURIComponent(cursor)}`);
      expect(status).toBe(200);
      for (const customer of body.customers) {
        expect(customer).not.toHaveProperty('writes');
        expect(customer).toHaveProperty('creditHold');
        ids.push(customer.id);
      }
      if (body.nextCursor === null) break;
      cursor = body.nextCursor;
    }
    expect(ids).toEqual(['C-42', 'LAB-WALKIN', 'PAGE-0', 'PAGE-1', 'PAGE-2', 'PAGE-3', 'PAGE-4']);

    expect((await httpJson('DELETE', `${lab.url}/api/customers/PAGE-0`)).status).toBe(204);
    expect((await httpJson('DELETE', `${lab.url}/sim/customers/PAGE-1`)).status).toBe(204);
    expect(await sql(`SELECT customer_id FROM "${schema}".customer_accounts WHERE customer_id IN ('PAGE-0', 'PAGE-1')`)).toEqual([]);
    expect((await httpJson('DELETE', `${lab.url}/api/customers/PAGE-0`)).status).toBe(404);
  });

  it('applies the lab’s injected faults to its API, not to /sim', async () => {
    await httpJson('POST', `${lab.url}/sim/faults`, { down: true });
    expect((await httpJson('PUT', `${lab.url}/api/customers/C-42`, { name: 'x' })).status).toBe(503);
    expect((await httpJson('GET', `${lab.url}/sim/customers`)).status).toBe(200);
    expect(await simCustomer('C-42')).toMatchObject({ name: 'Acme Water Company', writes: 2 });
  });

  it('refuses bad input with a 400 or 422 naming the field, and changes nothing', async () => {
    const before = await fingerprint();
    const refusals: [string, string, unknown, number, string][] = [
      ['PUT', '/api/customers/C%2042', { name: 'x' }, 400, '/id'],
      ['PUT', `/api/customers/${'C'.repeat(65)}`, { name: 'x' }, 400, '/id'],
      ['PUT', '/api/customers/C-42', { name: 'x', creditHold: 'no' }, 400, '/creditHold'],
      ['PUT', '/api/customers/C-42', { name: 'x', email: 'nope' }, 400, '/email'],
      ['PUT', '/api/customers/C-42', { name: 42 }, 400, '/name'],
      ['PUT', '/api/customers/C-42', { name: 'x', origin: 'lab' }, 400, '/'],
      ['PUT', '/api/customers/C-42', { id: 'C-43', name: 'x' }, 422, '/id'],
      ['PATCH', '/sim/customers/C-42', { creditHold: null }, 400, '/creditHold'],
      ['PATCH', '/sim/customers/C-42', {}, 400, '/'],
      ['POST', '/sim/customers', { name: 'no id' }, 400, '/id'],
      ['GET', '/api/customers?limit=0', undefined, 400, '/limit'],
      ['GET', '/api/customers?cursor=garbage', undefined, 400, '/cursor'],
      ['GET', '/api/customers?updatedSince=2026-11-20T00:00:00Z', undefined, 400, '/updatedSince'],
    ];
    for (const [method, path, body, status, field] of refusals) {
      const response = await httpJson(method, `${lab.url}${path}`, body);
      expect({ method, path, status: response.status }).toEqual({ method, path, status });
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect(await fingerprint()).toBe(before);
  });
});
