import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { AppProcess, TEST_DATABASE_URL, TEST_KAFKA_BROKERS, dropSchemas, httpJson, portBlock, sql, uniqueSchema, uniqueSuffix, uniqueTopicPrefix, waitFor } from '@labsync/testing';
import { hostilePartnerBody } from './partner-body-arbitraries';

/**
 * Issue 6 ("an accepted request was lost"): hostile input must be refused as a 4xx problem before anything is
 * stored, never reach Postgres as a 500, and never put a customer's name or e-mail in the log. One real
 * portal-adapter process (built dist/) on the shared broker and database, with its own schema and topics.
 */
const API_KEY = 'fuzz-acme-key-0001';

describe('hostile partner input (a real portal-adapter process, real Kafka and Postgres)', () => {
  const schema = uniqueSchema('e2e_fuzz_pa');
  const prefix = uniqueTopicPrefix('e2e-fuzz');
  const port = portBlock(50)(0);
  const app = new AppProcess({
    app: 'portal-adapter',
    port,
    label: `portal-adapter-fuzz-${prefix.slice(2, -1)}`,
    env: {
      DATABASE_URL: TEST_DATABASE_URL,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: prefix,
      DB_SCHEMA: schema,
      DB_POOL_SIZE: '4',
      LOG_LEVEL: 'info',
      PARTNERS: JSON.stringify([{ id: 'acme', apiKey: API_KEY, callbackUrl: 'http://127.0.0.1:9/callbacks/acme', callbackSecret: 'fuzz-acme-callback-secret' }]),
    },
  });
  const url = `${app.url}/v1/test-requests`;

  const postBytes = (bytes: Buffer) =>
    fetch(url, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: bytes });
  const postJson = (body: unknown) => httpJson('POST', url, body, { authorization: `Bearer ${API_KEY}` });

  /** What a request can leave behind: its row, its idempotency key, its outbox event (the sequence never goes back, even once the relay deleted the row). */
  const stored = async () => {
    const [row] = await sql<{ requests: string; keys: string; outbox: string | null }>(
      `SELECT (SELECT count(*) FROM "${schema}".test_requests) AS requests,
              (SELECT count(*) FROM "${schema}".idempotency_keys) AS keys,
              pg_sequence_last_value('"${schema}".outbox_id_seq') AS outbox`,
    );
    return { requests: Number(row!.requests), keys: Number(row!.keys), outbox: Number(row!.outbox ?? 0) };
  };

  const validBody = (customer: { name: string; email: string }) => ({
    portalRequestId: `PR-${uniqueSuffix()}`,
    customer: { id: 'C-42', ...customer },
    priority: 'standard',
    samples: [{ sampleId: 'S-1', matrix: 'water', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH'] }],
  });

  beforeAll(async () => {
    await app.start();
  }, 120_000);

  afterAll(async () => {
    await app.stop();
    await dropSchemas([schema]);
  });

  it('refuses U+0000 and unpaired surrogates with a 400 naming the field, stores nothing, and logs neither the name nor the e-mail', async () => {
    const secret = uniqueSuffix();
    const customer = { name: `Ada Lovelace ${secret}`, email: `ada.${secret}@example.org` };
    const before = await stored();

    const nul = await postJson({ ...validBody(customer), customer: { id: 'C-42', name: `${customer.name}\u0000`, email: customer.email } });
    expect(nul.status).toBe(400);
    expect(nul.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(nul.body).toMatchObject({ type: 'https://labsync.dev/problems/validation', title: 'Invalid request', status: 400, detail: expect.any(String) });
    expect(nul.body.errors).toEqual([{ path: '/customer/name', message: 'must not contain U+0000 or unpaired UTF-16 surrogates' }]);

    const surrogate = await postJson({ ...validBody(customer), samples: [{ sampleId: 'S-1', matrix: 'water', description: 'Well \ud800', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH'] }] });
    expect(surrogate.status).toBe(400);
    expect(surrogate.body.errors).toEqual([{ path: '/samples/0/description', message: 'must not contain U+0000 or unpaired UTF-16 surrogates' }]);

    const key = await postJson({ ...validBody(customer), ['\u0000extra']: 'x' });
    expect(key.status).toBe(400);
    expect(key.body.errors).toEqual([{ path: '/\u0000extra', message: 'unknown field' }]);
    expect(await stored()).toEqual(before);

    // A request that is accepted afterwards: once its line is in the log, every line of the refused ones is too.
    const accepted = await postJson(validBody(customer));
    expect(accepted.status).toBe(202);
    const correlationId = accepted.body.correlationId as string;
    const log = await waitFor(
      () => {
        const text = readFileSync(app.logFile, 'utf8');
        return text.includes(correlationId) ? text : undefined;
      },
      { what: `the log line of ${correlationId}` },
    );
    expect(log).not.toContain(customer.name);
    expect(log).not.toContain(secret);
  });

  it('refuses a body that is not valid UTF-8 with a 400 problem, and stores nothing', async () => {
    const before = await stored();
    const text = JSON.stringify(validBody({ name: 'Wasserwerk Zxrich', email: 'qa@acme.example' }));
    // "Zürich" in Latin-1: the byte 0xFC is not UTF-8 (it used to be stored as U+FFFD).
    const bytes = Buffer.from(text.replace('Zxrich', 'Z\u00fcrich'), 'latin1');
    const response = await postBytes(bytes);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 400, detail: 'The body is not valid UTF-8.' });
    expect(await stored()).toEqual(before);
  });

  it('answers bodies nested 100 000 levels deep (just under the size limit) with a 400 problem, and stores nothing', async () => {
    const before = await stored();
    const depth = 100_000;
    const deepArray = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    for (const text of [deepArray, `{"portalRequestId":${deepArray}}`, `{"notes":"x","extra":${deepArray}}`]) {
      const response = await postBytes(Buffer.from(text));
      expect({ length: text.length, status: response.status, contentType: response.headers.get('content-type') }).toEqual({
        length: text.length,
        status: 400,
        contentType: expect.stringMatching(/^application\/problem\+json/),
      });
    }
    expect(await stored()).toEqual(before);
  });

  it('answers any hostile body with a 2xx or a 4xx problem, never a 5xx, and stores nothing for a 4xx (property-based)', async () => {
    const seen = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(hostilePartnerBody, async (bytes) => {
        const before = await stored();
        const response = await postBytes(bytes);
        const body = await response.text();
        const after = await stored();
        const what = `${response.status} ${body.slice(0, 300)} for ${bytes.toString('latin1').slice(0, 300)}`;
        if (response.status >= 200 && response.status < 300) {
          seen.accepted++;
          expect({ what, requests: after.requests - before.requests }).toEqual({ what, requests: 1 });
          return;
        }
        seen.refused++;
        expect({ what, clientError: response.status >= 400 && response.status < 500 }).toEqual({ what, clientError: true });
        expect({ what, contentType: response.headers.get('content-type') }).toEqual({ what, contentType: expect.stringMatching(/^application\/problem\+json/) });
        expect({ what, problem: JSON.parse(body) }).toEqual({ what, problem: expect.objectContaining({ status: response.status, title: expect.any(String), detail: expect.any(String) }) });
        expect({ what, after }).toEqual({ what, after: before });
      }),
      { numRuns: 150 },
    );
    // The generator reaches both sides of validation, or the property says little.
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  }, 120_000);
});
