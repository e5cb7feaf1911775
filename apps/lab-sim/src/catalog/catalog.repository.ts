import { Inject, Injectable } from '@nestjs/common';
import { ReferenceTable, queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
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
  private readonly rows: ReferenceTable<CatalogRow>;
  private readonly generateLock: string;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    const schema = schemaOf(dataSource);
    this.table = `${quoteIdent(schema)}.catalog_tests`;
    this.rows = new ReferenceTable(this.table, 'code', COLUMNS);
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

  /** Rows with (updatedAt, code) > (updatedSince, after), in that order (`after` null: updatedAt >= updatedSince). */
  async readByWatermark(updatedSince: string, after: string | null, limit: number): Promise<CatalogEntry[]> {
    return (await this.rows.readByWatermark(this.dataSource, updatedSince, after, limit)).map(entryFromRow);
  }

  /** Every row, retired ones included, in code order after `after`. */
  async readByCode(after: string | null, limit: number): Promise<CatalogEntry[]> {
    return (await this.rows.readByKey(this.dataSource, after, limit)).map(entryFromRow);
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
    const row = await this.rows.retire(this.dataSource, code);
    return row ? entryFromRow(row) : null;
  }

  delete(code: string): Promise<boolean> {
    return this.rows.delete(this.dataSource, code);
  }

  /**
   * Adds `count` entries GEN-0000001, GEN-0000002... after the highest generated code, in one set-based
   * INSERT, all with one stamp (the hardest case for a watermark reader: every row ties).
   */
  generate(count: number) {
    return this.rows.generate(this.dataSource, {
      lockName: this.generateLock,
      prefix: 'GEN-',
      count,
      values: `'Generated test ' || n, CASE WHEN n % 2 = 0 THEN 'water' END, 'mg/L', 24 * (1 + n % 5), 1000 + 100 * (n % 50), true, stamp.at`,
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
