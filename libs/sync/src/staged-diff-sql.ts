import { DELETE_POLICIES, type DeletePolicy } from './modes';

/**
 * The stage tables of one pipeline, in the target adapter's schema. Columns the classification reads:
 * - `source`: `key text PRIMARY KEY, hash text NOT NULL` (the source rows, from the entity topic);
 * - `target`: `key text PRIMARY KEY, hash text NOT NULL, origin text NOT NULL` (`'sync'` or `'target'`),
 *   `retired boolean NOT NULL` (the target records, read from its API);
 * - `synced`: `key text PRIMARY KEY` (the ledger: keys the pipeline has written to the target).
 * Other columns (the row's payload, the target's record) are the runner's and are ignored here.
 */
export interface StageTables {
  schema: string;
  source: string;
  target: string;
  synced: string;
}

/** A double-quoted SQL identifier. */
export function quoteIdentifier(name: string): string {
  if (name.length === 0 || name.includes('\u0000')) throw new RangeError(`not a usable SQL identifier: ${JSON.stringify(name)}`);
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * `classifyStaged` as one set-based statement: a full outer join of the three tables on the key, yielding
 * `key, class, action` for every key (the same values as `StagedDecision`). The runner wraps it, e.g.
 * `SELECT d.*, s.payload FROM (<this>) d LEFT JOIN source s USING (key) WHERE d.action IN (...)`.
 */
export function stagedClassificationSql(tables: StageTables, deletes: DeletePolicy): string {
  if (!DELETE_POLICIES.includes(deletes)) throw new RangeError(`unknown delete policy ${JSON.stringify(deletes)}`);
  const table = (name: string) => `${quoteIdentifier(tables.schema)}.${quoteIdentifier(name)}`;
  const deletedInSource = deletes === 'retire' ? `CASE WHEN c.retired THEN 'none' ELSE 'retire' END` : `'${deletes}'`;
  return `SELECT c.key, c.class,
  CASE c.class
    WHEN 'unchanged' THEN 'none'
    WHEN 'changed' THEN 'update'
    WHEN 'missing' THEN 'create'
    WHEN 'deleted-in-target' THEN 'recreate'
    WHEN 'target-only' THEN 'keep'
    WHEN 'deleted-in-source' THEN ${deletedInSource}
    ELSE 'forget'
  END AS action
FROM (
  SELECT COALESCE(s.key, t.key, y.key) AS key,
    CASE
      WHEN s.key IS NOT NULL AND t.key IS NOT NULL THEN CASE WHEN s.hash = t.hash THEN 'unchanged' ELSE 'changed' END
      WHEN s.key IS NOT NULL THEN CASE WHEN y.key IS NOT NULL THEN 'deleted-in-target' ELSE 'missing' END
      WHEN t.key IS NOT NULL THEN CASE WHEN y.key IS NOT NULL OR t.origin = 'sync' THEN 'deleted-in-source' ELSE 'target-only' END
      ELSE 'deleted-in-both'
    END AS class,
    t.retired
  FROM ${table(tables.source)} s
  FULL JOIN ${table(tables.target)} t ON t.key = s.key
  FULL JOIN ${table(tables.synced)} y ON y.key = COALESCE(s.key, t.key)
) c`;
}
