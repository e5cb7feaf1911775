import { Inject, Injectable } from '@nestjs/common';
import { ReferenceTable, queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
import { DataSource } from 'typeorm';
import type { CustomerCopyBody, LabCustomerCreate, LabCustomerPatch, LabCustomerView } from './customer-account';

interface CustomerRow {
  customer_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  postal_code: string | null;
  country: string | null;
  active: boolean;
  updated_at: Date | null;
  credit_hold: boolean;
  origin: 'labsync' | 'lab';
  writes: number;
  changed_at: Date;
}

const COLUMNS = 'customer_id, name, email, phone, address_line1, address_line2, city, postal_code, country, active, updated_at, credit_hold, origin, writes, changed_at';

/** The columns a lab user's patch may set, by field name (the only names that reach the SQL text). */
const PATCHABLE: Record<keyof LabCustomerPatch, string> = {
  name: 'name',
  email: 'email',
  phone: 'phone',
  addressLine1: 'address_line1',
  addressLine2: 'address_line2',
  city: 'city',
  postalCode: 'postal_code',
  country: 'country',
  active: 'active',
  creditHold: 'credit_hold',
};

/** The lab's copy of the portal's customer accounts (`customer_accounts`). */
@Injectable()
export class CustomerAccountsRepository {
  private readonly table: string;
  private readonly rows: ReferenceTable<CustomerRow>;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.table = `${quoteIdent(schemaOf(dataSource))}.customer_accounts`;
    this.rows = new ReferenceTable(this.table, 'customer_id', COLUMNS);
  }

  /** labsync's write: every field replaced (left out = cleared), one more write counted; `origin` stays. */
  async replace(id: string, record: CustomerCopyBody): Promise<{ customer: LabCustomerView; created: boolean }> {
    const [row] = await queryRows<CustomerRow & { inserted: boolean }>(
      this.dataSource,
      `INSERT INTO ${this.table} AS t (customer_id, name, email, phone, address_line1, address_line2, city, postal_code, country, active, updated_at, credit_hold, origin, writes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'labsync', 1)
       ON CONFLICT (customer_id) DO UPDATE SET
         name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone, address_line1 = EXCLUDED.address_line1,
         address_line2 = EXCLUDED.address_line2, city = EXCLUDED.city, postal_code = EXCLUDED.postal_code, country = EXCLUDED.country,
         active = EXCLUDED.active, updated_at = EXCLUDED.updated_at, credit_hold = EXCLUDED.credit_hold,
         writes = t.writes + 1, changed_at = clock_timestamp()
       RETURNING ${COLUMNS}, (xmax = 0) AS inserted`,
      [
        id,
        record.name,
        record.email ?? null,
        record.phone ?? null,
        record.addressLine1 ?? null,
        record.addressLine2 ?? null,
        record.city ?? null,
        record.postalCode ?? null,
        record.country ?? null,
        record.active,
        record.updatedAt ?? null,
        record.creditHold,
      ],
    );
    return { customer: viewFromRow(row!), created: row!.inserted };
  }

  /** An account created by a lab user; null when the id is taken. */
  async create(account: LabCustomerCreate): Promise<LabCustomerView | null> {
    const [row] = await queryRows<CustomerRow>(
      this.dataSource,
      `INSERT INTO ${this.table} (customer_id, name, email, phone, address_line1, address_line2, city, postal_code, country, active, credit_hold, origin)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'lab')
       ON CONFLICT (customer_id) DO NOTHING
       RETURNING ${COLUMNS}`,
      [account.id, account.name, account.email ?? null, account.phone ?? null, account.addressLine1 ?? null, account.addressLine2 ?? null, account.city ?? null, account.postalCode ?? null, account.country ?? null, account.active, account.creditHold],
    );
    return row ? viewFromRow(row) : null;
  }

  /** A user's edit of the fields named in the patch; null when there is no such record. */
  async patch(id: string, patch: LabCustomerPatch): Promise<LabCustomerView | null> {
    const fields = (Object.keys(patch) as (keyof LabCustomerPatch)[]).filter((field) => patch[field] !== undefined);
    const row = await this.rows.update(this.dataSource, id, fields.map((field) => [PATCHABLE[field], patch[field]] as const));
    return row ? viewFromRow(row) : null;
  }

  delete(id: string): Promise<boolean> {
    return this.rows.delete(this.dataSource, id);
  }

  /** Records in key order after `after` (all of them with `limit` null). */
  async readById(after: string | null, limit: number | null): Promise<LabCustomerView[]> {
    return (await this.rows.readByKey(this.dataSource, after, limit)).map(viewFromRow);
  }
}

function viewFromRow(row: CustomerRow): LabCustomerView {
  return {
    id: row.customer_id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    addressLine1: row.address_line1,
    addressLine2: row.address_line2,
    city: row.city,
    postalCode: row.postal_code,
    country: row.country,
    active: row.active,
    updatedAt: row.updated_at?.toISOString() ?? null,
    creditHold: row.credit_hold,
    origin: row.origin,
    writes: row.writes,
    changedAt: row.changed_at.toISOString(),
  };
}
