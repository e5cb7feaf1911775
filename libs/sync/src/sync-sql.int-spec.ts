import { dropSchemas, sql, uniqueSchema } from '@labsync/testing';
import fc from 'fast-check';
import { entityKey, stagedSidesArbitrary } from './fixtures/catalog-entity';
import { compareKeys } from './keys';
import type { DeletePolicy } from './modes';
import { isInRange, keyRangeSql } from './snapshot-diff';
import { classifyStaged, type StagedDecision } from './staged-diff';
import { stagedClassificationSql } from './staged-diff-sql';
import { nextWatermark, watermarkPageSql, type WatermarkCursor } from './watermark';

// The SQL the runners and stand-ins execute, held equal to the pure functions on random data (real Postgres).
describe('libs/sync SQL against Postgres', () => {
  const schema = uniqueSchema('sync_sql');
  const tables = { schema, source: 'stage_source', target: 'stage_target', synced: 'synced' };

  beforeAll(async () => {
    await sql(`CREATE SCHEMA "${schema}";
      CREATE TABLE "${schema}".stage_source (key text PRIMARY KEY, hash text NOT NULL, payload jsonb);
      CREATE TABLE "${schema}".stage_target (key text PRIMARY KEY, hash text NOT NULL, origin text NOT NULL CHECK (origin IN ('sync', 'target')), retired boolean NOT NULL, record jsonb);
      CREATE TABLE "${schema}".synced (key text PRIMARY KEY);
      CREATE TABLE "${schema}".catalog (code text PRIMARY KEY, updated_at timestamptz(3) NOT NULL);`);
  });
  afterAll(() => dropSchemas([schema]));

  it('the staged classification SQL gives exactly the pure classification, for random sides and policies', async () => {
    await fc.assert(
      fc.asyncProperty(stagedSidesArbitrary, fc.constantFrom<DeletePolicy>('delete', 'retire', 'ignore'), async (sides, deletes) => {
        await sql(`TRUNCATE "${schema}".stage_source, "${schema}".stage_target, "${schema}".synced`);
        const target = [...sides.target];
        await sql(
          `WITH s AS (INSERT INTO "${schema}".stage_source (key, hash, payload) SELECT k, h, '{}'::jsonb FROM unnest($1::text[], $2::text[]) AS u(k, h)),
                t AS (INSERT INTO "${schema}".stage_target (key, hash, origin, retired) SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::boolean[]))
           INSERT INTO "${schema}".synced (key) SELECT unnest($7::text[])`,
          [[...sides.source.keys()], [...sides.source.values()], target.map(([k]) => k), target.map(([, t]) => t.hash), target.map(([, t]) => t.origin), target.map(([, t]) => t.retired), [...sides.synced]],
        );
        const rows = await sql<{ key: string; class: StagedDecision['class']; action: StagedDecision['action'] }>(stagedClassificationSql(tables, deletes));
        const fromSql = rows.map((r) => ({ key: r.key, class: r.class, action: r.action })).sort((a, b) => compareKeys(a.key, b.key));
        expect(fromSql).toEqual(classifyStaged(sides, deletes));
      }),
      { numRuns: 25 },
    );
  });

  it('watermark page SQL with nextWatermark reads every row exactly once, ties and unicode codes included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.tuple(entityKey, fc.integer({ min: 0, max: 2 })), { selector: ([code]) => code, maxLength: 30 }), fc.integer({ min: 1, max: 7 }), async (rows, limit) => {
        await sql(`TRUNCATE "${schema}".catalog`);
        await sql(`INSERT INTO "${schema}".catalog (code, updated_at) SELECT * FROM unnest($1::text[], $2::timestamptz[])`, [rows.map(([code]) => code), rows.map(([, s]) => new Date(Date.UTC(2026, 11, 1, 10, 0, s)).toISOString())]);
        const page = watermarkPageSql({ updatedAt: 'updated_at', key: 'code' }, { updatedAt: '$1', key: '$2' });
        const seen: string[] = [];
        let cursor: WatermarkCursor | null = null;
        for (let guard = 0; guard <= rows.length + 1; guard++) {
          const read: { code: string; updated_at: Date }[] =
            cursor === null
              ? await sql(`SELECT code, updated_at FROM "${schema}".catalog ORDER BY ${page.orderBy} LIMIT ${limit}`)
              : await sql(`SELECT code, updated_at FROM "${schema}".catalog WHERE ${page.where} ORDER BY ${page.orderBy} LIMIT ${limit}`, [cursor.updatedAt, cursor.key]);
          seen.push(...read.map((r) => r.code));
          const next = nextWatermark(cursor, read.map((r) => ({ updatedAt: r.updated_at.toISOString(), key: r.code })), limit);
          expect(next.behindCursor).toEqual([]);
          cursor = next.cursor;
          if (next.exhausted) break;
        }
        expect(seen.sort()).toEqual(rows.map(([code]) => code).sort());
      }),
      { numRuns: 15 },
    );
  });

  it('keyRangeSql selects the keys isInRange accepts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(entityKey, { maxLength: 30 }), fc.option(entityKey, { nil: null }), fc.option(entityKey, { nil: null }), async (keys, afterKey, throughKey) => {
        await sql(`TRUNCATE "${schema}".synced`);
        await sql(`INSERT INTO "${schema}".synced (key) SELECT unnest($1::text[])`, [keys]);
        const rows = await sql<{ key: string }>(`SELECT key FROM "${schema}".synced WHERE ${keyRangeSql('key', '$1', '$2')}`, [afterKey, throughKey]);
        expect(rows.map((r) => r.key).sort(compareKeys)).toEqual(keys.filter((k) => isInRange(k, { afterKey, throughKey })).sort(compareKeys));
      }),
      { numRuns: 25 },
    );
  });
});
