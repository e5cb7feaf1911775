import { Inject, Injectable } from '@nestjs/common';
import { queryRows, quoteIdent, schemaOf } from '@labsync/persistence';
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
  private readonly generateLock: string;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    const schema = schemaOf(dataSource);
    this.table = `${quoteIdent(schema)}.customer_accounts`;
    this.generateLock = `portal-sim-customers-generate:${schema}`;
  }

  /** Every account, in id order (the portal users' view). */
  async list(): Promise<CustomerAccount[]> {
    return (await queryRows<CustomerRow>(this.dataSource, `SELECT ${COLUMNS} FROM ${this.table} ORDER BY customer_id`)).map(accountFromRow);
  }

  /** Rows with (updated_at, customer_id) > (updatedSince, after); `after` null reads from updatedSince inclusive. */
  async readByWatermark(updatedSince: string, after: string | null, limit: number): Promise<CustomerAccount[]> {
    const rows = await queryRows<CustomerRow>(
      this.dataSource,
      `SELECT ${COLUMNS} FROM ${this.table} WHERE (updated_at, customer_id) > ($1::timestamptz, $2::text) ORDER BY updated_at, customer_id LIMIT $3`,
      [updatedSince, after ?? '', limit],
    );
    return rows.map(accountFromRow);
  }

  async readById(after: string | null, limit: number): Promise<CustomerAccount[]> {
    const rows = await queryRows<CustomerRow>(this.dataSource, `SELECT ${COLUMNS} FROM ${this.table} WHERE customer_id > $1 ORDER BY customer_id LIMIT $2`, [after ?? '', limit]);
    return rows.map(accountFromRow);
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
    const [row] = await queryRows<CustomerRow>(
      this.dataSource,
      `WITH retired AS (
         UPDATE ${this.table} SET active = false, updated_at = date_trunc('milliseconds', clock_timestamp()) WHERE customer_id = $1 AND active RETURNING ${COLUMNS}
       )
       SELECT ${COLUMNS} FROM retired UNION ALL SELECT ${COLUMNS} FROM ${this.table} WHERE customer_id = $1 AND NOT EXISTS (SELECT 1 FROM retired)`,
      [id],
    );
    return row ? accountFromRow(row) : null;
  }

  async delete(id: string): Promise<boolean> {
    const rows = await queryRows<{ customer_id: string }>(this.dataSource, `DELETE FROM ${this.table} WHERE customer_id = $1 RETURNING customer_id`, [id]);
    return rows.length > 0;
  }

  /**
   * Adds `count` accounts CUST-0000001, CUST-0000002... after the highest generated id, in one set-based
   * INSERT sharing one stamp; serialised, and an id already taken is skipped.
   */
  async generate(count: number): Promise<{ generated: number; first: string | null; last: string | null; updatedAt: string | null }> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.generateLock]);
      const [summary] = await queryRows<{ generated: string; first: string | null; last: string | null; updated_at: Date | null }>(
        manager,
        `WITH last AS (SELECT coalesce(max(substring(customer_id FROM 6)::bigint), 0) AS n FROM ${this.table} WHERE customer_id ~ '^CUST-[0-9]{1,12}$'),
              stamp AS (SELECT date_trunc('milliseconds', clock_timestamp()) AS at),
              numbered AS (SELECT last.n + i AS n FROM last, generate_series(1, $1::int) AS i),
              inserted AS (
                INSERT INTO ${this.table} (${COLUMNS})
                SELECT 'CUST-' || lpad(n::text, greatest(7, length(n::text)), '0'), 'Generated customer ' || n, 'customer-' || n || '@example.test',
                       NULL, n || ' Sample Street', NULL, 'Springfield', lpad((n % 100000)::text, 5, '0'), 'US', true, stamp.at
                  FROM numbered, stamp
                ON CONFLICT (customer_id) DO NOTHING
                RETURNING customer_id, updated_at
              )
         SELECT count(*) AS generated, min(customer_id) AS first, max(customer_id) AS last, min(updated_at) AS updated_at FROM inserted`,
        [count],
      );
      return { generated: Number(summary!.generated), first: summary!.first, last: summary!.last, updatedAt: summary!.updated_at?.toISOString() ?? null };
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
