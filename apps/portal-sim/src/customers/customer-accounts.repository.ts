import { Inject, Injectable } from '@nestjs/common';
import { ReferenceTable, queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
import type { UpdatedAtPolicy } from '@labsync/service-runtime';
import { DataSource } from 'typeorm';
import type { CustomerAccount, CustomerAccountBody } from './customer-account';

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
  updated_at: Date;
}

const COLUMNS = 'customer_id, name, email, phone, address_line1, address_line2, city, postal_code, country, active, updated_at';

/** The portal's customer accounts (`customer_accounts`), their system of record. */
@Injectable()
export class CustomerAccountsRepository {
  private readonly table: string;
  private readonly rows: ReferenceTable<CustomerRow>;
  private readonly generateLock: string;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    const schema = schemaOf(dataSource);
    this.table = `${quoteIdent(schema)}.customer_accounts`;
    this.rows = new ReferenceTable(this.table, 'customer_id', COLUMNS);
    this.generateLock = `portal-sim-customers-generate:${schema}`;
  }

  /** Every account, in id order (the portal users' view). */
  async list(): Promise<CustomerAccount[]> {
    return (await this.rows.readByKey(this.dataSource, null, null)).map(accountFromRow);
  }

  /** Rows with (updatedAt, id) > (updatedSince, after), in that order (`after` null: updatedAt >= updatedSince). */
  async readByWatermark(updatedSince: string, after: string | null, limit: number): Promise<CustomerAccount[]> {
    return (await this.rows.readByWatermark(this.dataSource, updatedSince, after, limit)).map(accountFromRow);
  }

  async readById(after: string | null, limit: number): Promise<CustomerAccount[]> {
    return (await this.rows.readByKey(this.dataSource, after, limit)).map(accountFromRow);
  }

  /** Inserts or replaces the account; `updatedAt` as the policy says (a new account kept "as it was" is stamped now). */
  async upsert(id: string, account: CustomerAccountBody, stamp: UpdatedAtPolicy): Promise<{ account: CustomerAccount; created: boolean }> {
    const [row] = await queryRows<CustomerRow & { inserted: boolean }>(
      this.dataSource,
      `INSERT INTO ${this.table} AS t (${COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, date_trunc('milliseconds', coalesce($11::timestamptz, clock_timestamp())))
       ON CONFLICT (customer_id) DO UPDATE SET
         name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone, address_line1 = EXCLUDED.address_line1,
         address_line2 = EXCLUDED.address_line2, city = EXCLUDED.city, postal_code = EXCLUDED.postal_code, country = EXCLUDED.country,
         active = EXCLUDED.active, updated_at = CASE WHEN $12::boolean THEN t.updated_at ELSE EXCLUDED.updated_at END
       RETURNING ${COLUMNS}, (xmax = 0) AS inserted`,
      [
        id,
        account.name,
        account.email ?? null,
        account.phone ?? null,
        account.addressLine1 ?? null,
        account.addressLine2 ?? null,
        account.city ?? null,
        account.postalCode ?? null,
        account.country ?? null,
        account.active,
        stamp.kind === 'at' ? stamp.at : null,
        stamp.kind === 'keep',
      ],
    );
    return { account: accountFromRow(row!), created: row!.inserted };
  }

  /** Sets the account inactive and moves its stamp; one already retired is left as it is. Null when unknown. */
  async retire(id: string): Promise<CustomerAccount | null> {
    const row = await this.rows.retire(this.dataSource, id);
    return row ? accountFromRow(row) : null;
  }

  delete(id: string): Promise<boolean> {
    return this.rows.delete(this.dataSource, id);
  }

  /** Adds `count` accounts CUST-0000001, CUST-0000002... after the highest generated id, in one INSERT sharing one stamp. */
  generate(count: number) {
    return this.rows.generate(this.dataSource, {
      lockName: this.generateLock,
      prefix: 'CUST-',
      count,
      values: `'Generated customer ' || n, 'customer-' || n || '@example.test', NULL, n || ' Sample Street', NULL, 'Springfield', lpad((n % 100000)::text, 5, '0'), 'US', true, stamp.at`,
    });
  }
}

function accountFromRow(row: CustomerRow): CustomerAccount {
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
    updatedAt: row.updated_at.toISOString(),
  };
}
