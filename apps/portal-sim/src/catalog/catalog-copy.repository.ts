import { Inject, Injectable } from '@nestjs/common';
import { ReferenceTable, queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
import { DataSource } from 'typeorm';
import type { CatalogCopyBody, PortalCatalogCreate, PortalCatalogEntryView, PortalCatalogPatch } from './catalog-copy-entry';

interface CatalogCopyRow {
  code: string;
  name: string;
  matrix: string | null;
  unit: string | null;
  turnaround_hours: number | null;
  price_cents: number | null;
  active: boolean;
  updated_at: Date | null;
  display_name: string | null;
  featured: boolean;
  origin: 'labsync' | 'portal';
  writes: number;
  changed_at: Date;
}

const COLUMNS = 'code, name, matrix, unit, turnaround_hours, price_cents, active, updated_at, display_name, featured, origin, writes, changed_at';

/** The columns a portal user's patch may set, by field name (the only names that reach the SQL text). */
const PATCHABLE: Record<keyof PortalCatalogPatch, string> = {
  name: 'name',
  matrix: 'matrix',
  unit: 'unit',
  turnaroundHours: 'turnaround_hours',
  priceCents: 'price_cents',
  active: 'active',
  displayName: 'display_name',
  featured: 'featured',
};

/** The portal's copy of the lab's catalog (`catalog_copy`). */
@Injectable()
export class CatalogCopyRepository {
  private readonly table: string;
  private readonly rows: ReferenceTable<CatalogCopyRow>;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.table = `${quoteIdent(schemaOf(dataSource))}.catalog_copy`;
    this.rows = new ReferenceTable(this.table, 'code', COLUMNS);
  }

  /** labsync's write: every field replaced (left out = cleared), one more write counted; `origin` stays. */
  async replace(code: string, entry: CatalogCopyBody): Promise<{ entry: PortalCatalogEntryView; created: boolean }> {
    const [row] = await queryRows<CatalogCopyRow & { inserted: boolean }>(
      this.dataSource,
      `INSERT INTO ${this.table} AS t (code, name, matrix, unit, turnaround_hours, price_cents, active, updated_at, display_name, featured, origin, writes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'labsync', 1)
       ON CONFLICT (code) DO UPDATE SET
         name = EXCLUDED.name, matrix = EXCLUDED.matrix, unit = EXCLUDED.unit, turnaround_hours = EXCLUDED.turnaround_hours,
         price_cents = EXCLUDED.price_cents, active = EXCLUDED.active, updated_at = EXCLUDED.updated_at,
         display_name = EXCLUDED.display_name, featured = EXCLUDED.featured, writes = t.writes + 1, changed_at = clock_timestamp()
       RETURNING ${COLUMNS}, (xmax = 0) AS inserted`,
      [code, entry.name, entry.matrix ?? null, entry.unit ?? null, entry.turnaroundHours ?? null, entry.priceCents ?? null, entry.active, entry.updatedAt ?? null, entry.displayName ?? null, entry.featured],
    );
    return { entry: viewFromRow(row!), created: row!.inserted };
  }

  /** An entry created by a portal user; null when the code is taken. */
  async create(entry: PortalCatalogCreate): Promise<PortalCatalogEntryView | null> {
    const [row] = await queryRows<CatalogCopyRow>(
      this.dataSource,
      `INSERT INTO ${this.table} (code, name, matrix, unit, turnaround_hours, price_cents, active, display_name, featured, origin)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'portal')
       ON CONFLICT (code) DO NOTHING
       RETURNING ${COLUMNS}`,
      [entry.code, entry.name, entry.matrix ?? null, entry.unit ?? null, entry.turnaroundHours ?? null, entry.priceCents ?? null, entry.active, entry.displayName ?? null, entry.featured],
    );
    return row ? viewFromRow(row) : null;
  }

  /** A user's edit of the fields named in the patch; null when there is no such record. */
  async patch(code: string, patch: PortalCatalogPatch): Promise<PortalCatalogEntryView | null> {
    const fields = (Object.keys(patch) as (keyof PortalCatalogPatch)[]).filter((field) => patch[field] !== undefined);
    const row = await this.rows.update(this.dataSource, code, fields.map((field) => [PATCHABLE[field], patch[field]] as const));
    return row ? viewFromRow(row) : null;
  }

  delete(code: string): Promise<boolean> {
    return this.rows.delete(this.dataSource, code);
  }

  async read(code: string): Promise<PortalCatalogEntryView | null> {
    const [row] = await queryRows<CatalogCopyRow>(this.dataSource, `SELECT ${COLUMNS} FROM ${this.table} WHERE code = $1`, [code]);
    return row ? viewFromRow(row) : null;
  }

  /** Records in key order after `after` (all of them with `limit` null). */
  async readByCode(after: string | null, limit: number | null): Promise<PortalCatalogEntryView[]> {
    return (await this.rows.readByKey(this.dataSource, after, limit)).map(viewFromRow);
  }
}

function viewFromRow(row: CatalogCopyRow): PortalCatalogEntryView {
  return {
    code: row.code,
    name: row.name,
    matrix: row.matrix,
    unit: row.unit,
    turnaroundHours: row.turnaround_hours,
    priceCents: row.price_cents,
    active: row.active,
    updatedAt: row.updated_at?.toISOString() ?? null,
    displayName: row.display_name,
    featured: row.featured,
    origin: row.origin,
    writes: row.writes,
    changedAt: row.changed_at.toISOString(),
  };
}
