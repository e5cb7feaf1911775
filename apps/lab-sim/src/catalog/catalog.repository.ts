import { Inject, Injectable } from '@nestjs/common';
import { queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
import type { UpdatedAtPolicy } from '@labsync/service-runtime';
import { DataSource } from 'typeorm';
import type { CatalogEntry, CatalogEntryBody } from './catalog-entry';

interface CatalogRow {
  code: string;
  name: string;
  matrix: string | null;
  unit: string;
  turnaround_hours: number;
  price_cents: number;
  active: boolean;
  updated_at: Date;
}

const COLUMNS = 'code, name, matrix, unit, turnaround_hours, price_cents, active, updated_at';

/** The lab's catalog table (`catalog_tests`), its system of record. */
@Injectable()
export class CatalogRepository {
  private readonly table: string;
  private readonly generateLock: string;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    const schema = schemaOf(dataSource);
    this.table = `${quoteIdent(schema)}.catalog_tests`;
    this.generateLock = `lab-sim-catalog-generate:${schema}`;
  }

  async find(code: string): Promise<CatalogEntry | null> {
    const [row] = await queryRows<CatalogRow>(this.dataSource, `SELECT ${COLUMNS} FROM ${this.table} WHERE code = $1`, [code]);
    return row ? entryFromRow(row) : null;
  }

  /** The entries of these codes that exist (active or retired), by code. */
  async findMany(codes: readonly string[]): Promise<Map<string, CatalogEntry>> {
    if (codes.length === 0) return new Map();
    const rows = await queryRows<CatalogRow>(this.dataSource, `SELECT ${COLUMNS} FROM ${this.table} WHERE code = ANY($1::text[])`, [codes]);
    return new Map(rows.map((row) => [row.code, entryFromRow(row)]));
  }

  async listActive(): Promise<CatalogEntry[]> {
    const rows = await queryRows<CatalogRow>(this.dataSource, `SELECT ${COLUMNS} FROM ${this.table} WHERE active ORDER BY code`);
    return rows.map(entryFromRow);
  }

  /**
   * Rows with (updated_at, code) > (updatedSince, after) in that order; `after` null reads from updatedSince
   * inclusive (no code is empty, so '' sorts before every one). One index range scan.
   */
  async readByWatermark(updatedSince: string, after: string | null, limit: number): Promise<CatalogEntry[]> {
    const rows = await queryRows<CatalogRow>(
      this.dataSource,
      `SELECT ${COLUMNS} FROM ${this.table} WHERE (updated_at, code) > ($1::timestamptz, $2::text) ORDER BY updated_at, code LIMIT $3`,
      [updatedSince, after ?? '', limit],
    );
    return rows.map(entryFromRow);
  }

  /** Every row, retired ones included, in code order after `after`. */
  async readByCode(after: string | null, limit: number): Promise<CatalogEntry[]> {
    const rows = await queryRows<CatalogRow>(this.dataSource, `SELECT ${COLUMNS} FROM ${this.table} WHERE code > $1 ORDER BY code LIMIT $2`, [after ?? '', limit]);
    return rows.map(entryFromRow);
  }

  /** Inserts or replaces the entry; `updatedAt` as the policy says (a new entry kept "as it was" is stamped now). */
  async upsert(code: string, entry: CatalogEntryBody, stamp: UpdatedAtPolicy): Promise<{ entry: CatalogEntry; created: boolean }> {
    const [row] = await queryRows<CatalogRow & { inserted: boolean }>(
      this.dataSource,
      `INSERT INTO ${this.table} AS t (${COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, date_trunc('milliseconds', coalesce($8::timestamptz, clock_timestamp())))
       ON CONFLICT (code) DO UPDATE SET
         name = EXCLUDED.name, matrix = EXCLUDED.matrix, unit = EXCLUDED.unit, turnaround_hours = EXCLUDED.turnaround_hours,
         price_cents = EXCLUDED.price_cents, active = EXCLUDED.active,
         updated_at = CASE WHEN $9::boolean THEN t.updated_at ELSE EXCLUDED.updated_at END
       RETURNING ${COLUMNS}, (xmax = 0) AS inserted`,
      [code, entry.name, entry.matrix ?? null, entry.unit, entry.turnaroundHours, entry.priceCents, entry.active, stamp.kind === 'at' ? stamp.at : null, stamp.kind === 'keep'],
    );
    return { entry: entryFromRow(row!), created: row!.inserted };
  }

  /** Sets the entry inactive and moves its stamp; an entry already retired is left as it is. Null when unknown. */
  async retire(code: string): Promise<CatalogEntry | null> {
    const [row] = await queryRows<CatalogRow>(
      this.dataSource,
      `WITH retired AS (
         UPDATE ${this.table} SET active = false, updated_at = date_trunc('milliseconds', clock_timestamp()) WHERE code = $1 AND active RETURNING ${COLUMNS}
       )
       SELECT ${COLUMNS} FROM retired UNION ALL SELECT ${COLUMNS} FROM ${this.table} WHERE code = $1 AND NOT EXISTS (SELECT 1 FROM retired)`,
      [code],
    );
    return row ? entryFromRow(row) : null;
  }

  async delete(code: string): Promise<boolean> {
    const rows = await queryRows<{ code: string }>(this.dataSource, `DELETE FROM ${this.table} WHERE code = $1 RETURNING code`, [code]);
    return rows.length > 0;
  }

  /**
   * Adds `count` entries GEN-0000001, GEN-0000002... after the highest generated code, in one set-based
   * INSERT, all with one stamp (the hardest case for a watermark reader: every row ties). Serialised, so two
   * generate calls never number the same codes; a code already taken (by a PUT) is skipped.
   */
  async generate(count: number): Promise<{ generated: number; first: string | null; last: string | null; updatedAt: string | null }> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.generateLock]);
      const [summary] = await queryRows<{ generated: string; first: string | null; last: string | null; updated_at: Date | null }>(
        manager,
        `WITH last AS (SELECT coalesce(max(substring(code FROM 5)::bigint), 0) AS n FROM ${this.table} WHERE code ~ '^GEN-[0-9]{1,12}$'),
              stamp AS (SELECT date_trunc('milliseconds', clock_timestamp()) AS at),
              numbered AS (SELECT last.n + i AS n, i FROM last, generate_series(1, $1::int) AS i),
              inserted AS (
                INSERT INTO ${this.table} (${COLUMNS})
                SELECT 'GEN-' || lpad(n::text, greatest(7, length(n::text)), '0'), 'Generated test ' || n,
                       CASE WHEN i % 2 = 0 THEN 'water' END, 'mg/L', 24 * (1 + i % 5), 1000 + 100 * (i % 50), true, stamp.at
                  FROM numbered, stamp
                ON CONFLICT (code) DO NOTHING
                RETURNING code, updated_at
              )
         SELECT count(*) AS generated, min(code) AS first, max(code) AS last, min(updated_at) AS updated_at FROM inserted`,
        [count],
      );
      return { generated: Number(summary!.generated), first: summary!.first, last: summary!.last, updatedAt: summary!.updated_at?.toISOString() ?? null };
    });
  }
}

function entryFromRow(row: CatalogRow): CatalogEntry {
  return {
    code: row.code,
    name: row.name,
    matrix: row.matrix,
    unit: row.unit,
    turnaroundHours: row.turnaround_hours,
    priceCents: row.price_cents,
    active: row.active,
    updatedAt: row.updated_at.toISOString(),
  };
}
