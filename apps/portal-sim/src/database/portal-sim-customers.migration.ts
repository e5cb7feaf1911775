import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';

/**
 * The portal's customer accounts, their system of record (labsync copies them to the lab). `updated_at`
 * is kept to the millisecond, so the stamp a watermark reader is given is exactly the stored one, and
 * `customer_accounts_watermark` serves the (updated_at, customer_id) read. Ids compare in byte order.
 */
export class PortalSimCustomers1735000200001 implements MigrationInterface {
  name = 'PortalSimCustomers1735000200001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE ${s}.customer_accounts (
        customer_id   text        COLLATE "C" PRIMARY KEY CHECK (customer_id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
        name          text        NOT NULL,
        email         text,
        phone         text,
        address_line1 text,
        address_line2 text,
        city          text,
        postal_code   text,
        country       text,
        active        boolean     NOT NULL DEFAULT true,
        updated_at    timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp())
                      CHECK (updated_at = date_trunc('milliseconds', updated_at))
      )`);
    await queryRunner.query(`CREATE INDEX customer_accounts_watermark ON ${s}.customer_accounts (updated_at, customer_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${quoteIdent(schemaOf(queryRunner))}.customer_accounts`);
  }
}
