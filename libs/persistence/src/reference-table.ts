import type { DataSource, EntityManager } from 'typeorm';
import { queryRows } from './query-rows';

type Runner = DataSource | EntityManager;

/**
 * The SQL that every reference-data table of the stand-ins shares (a lab catalog, customer accounts, and the
 * copies of them): one text key compared in byte order, an optional millisecond `updated_at`. `table` is the
 * quoted `schema.table`, `key` and `columns` are column names written by the caller, never input.
 */
export class ReferenceTable<Row> {
  constructor(
    private readonly table: string,
    private readonly key: string,
    private readonly columns: string,
  ) {}

  /**
   * Rows with (updated_at, key) > (updatedSince, after), in that order; `after` null reads from updatedSince
   * inclusive (no key is empty, so '' sorts before every one). One range scan of an (updated_at, key) index.
   */
  readByWatermark(runner: Runner, updatedSince: string, after: string | null, limit: number): Promise<Row[]> {
    return queryRows<Row>(
      runner,
      `SELECT ${this.columns} FROM ${this.table} WHERE (updated_at, ${this.key}) > ($1::timestamptz, $2::text) ORDER BY updated_at, ${this.key} LIMIT $3`,
      [updatedSince, after ?? '', limit],
    );
  }

  /** Rows in key order after `after` (every row with `limit` null). */
  readByKey(runner: Runner, after: string | null, limit: number | null): Promise<Row[]> {
    return queryRows<Row>(runner, `SELECT ${this.columns} FROM ${this.table} WHERE ${this.key} > $1 ORDER BY ${this.key} LIMIT $2`, [after ?? '', limit]);
  }

  /** Sets the row inactive and moves its stamp; a row already retired is returned as it is. Null when unknown. */
  async retire(runner: Runner, key: string): Promise<Row | null> {
    const [row] = await queryRows<Row>(
      runner,
      `WITH retired AS (
         UPDATE ${this.table} SET active = false, updated_at = date_trunc('milliseconds', clock_timestamp()) WHERE ${this.key} = $1 AND active RETURNING ${this.columns}
       )
       SELECT ${this.columns} FROM retired UNION ALL SELECT ${this.columns} FROM ${this.table} WHERE ${this.key} = $1 AND NOT EXISTS (SELECT 1 FROM retired)`,
      [key],
    );
    return row ?? null;
  }

  /** False when there was no such row. */
  async delete(runner: Runner, key: string): Promise<boolean> {
    return (await queryRows(runner, `DELETE FROM ${this.table} WHERE ${this.key} = $1 RETURNING ${this.key}`, [key])).length > 0;
  }

  /**
   * Sets the columns named in `assignments` (column -> value; names from the caller's own whitelist) and
   * `changed_at`; null when there is no such row.
   */
  async update(runner: Runner, key: string, assignments: readonly (readonly [column: string, value: unknown])[]): Promise<Row | null> {
    const sets = assignments.map(([column], index) => `${column} = $${index + 2}`);
    const [row] = await queryRows<Row>(
      runner,
      `UPDATE ${this.table} SET ${[...sets, 'changed_at = clock_timestamp()'].join(', ')} WHERE ${this.key} = $1 RETURNING ${this.columns}`,
      [key, ...assignments.map(([, value]) => value)],
    );
    return row ?? null;
  }

  /**
   * Adds `count` rows keyed `<prefix>0000001`, `<prefix>0000002`... after the highest such key, in one
   * set-based INSERT that shares one stamp (`stamp.at`): `values` is the SELECT list over `n` (the row's
   * number) and `stamp.at`, in the order of `columns`. Serialised by an advisory lock named `lockName`; a
   * key already taken is skipped.
   */
  async generate(dataSource: DataSource, options: { lockName: string; prefix: string; count: number; values: string }) {
    const prefixLength = options.prefix.length;
    return dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [options.lockName]);
      const [summary] = await queryRows<{ generated: string; first: string | null; last: string | null; updated_at: Date | null }>(
        manager,
        `WITH last AS (SELECT coalesce(max(substring(${this.key} FROM ${prefixLength + 1})::bigint), 0) AS n FROM ${this.table} WHERE starts_with(${this.key}, $2) AND substring(${this.key} FROM ${prefixLength + 1}) ~ '^[0-9]{1,12}$'),
              stamp AS (SELECT date_trunc('milliseconds', clock_timestamp()) AS at),
              numbered AS (SELECT last.n + i AS n FROM last, generate_series(1, $1::int) AS i),
              inserted AS (
                INSERT INTO ${this.table} (${this.columns})
                SELECT $2 || lpad(n::text, greatest(7, length(n::text)), '0'), ${options.values} FROM numbered, stamp
                ON CONFLICT (${this.key}) DO NOTHING
                RETURNING ${this.key} AS key, updated_at
              )
         SELECT count(*) AS generated, min(key) AS first, max(key) AS last, min(updated_at) AS updated_at FROM inserted`,
        [options.count, options.prefix],
      );
      return { generated: Number(summary!.generated), first: summary!.first, last: summary!.last, updatedAt: summary!.updated_at?.toISOString() ?? null };
    });
  }
}
