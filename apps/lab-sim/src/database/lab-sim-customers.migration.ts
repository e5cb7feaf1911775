import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';

/**
 * The lab's copy of the portal's customer accounts. The portal's fields arrive whole from labsync
 * (`PUT /api/customers/<id>` replaces them); `credit_hold` is the lab's own, so a replace that leaves it out
 * clears it (what a staged push must merge back). `origin` tells accounts labsync wrote from ones lab users
 * created; `writes` counts labsync's writes, so a test can prove a rerun wrote nothing.
 */
export class LabSimCustomers1735000100001 implements MigrationInterface {
  name = 'LabSimCustomers1735000100001';

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
        updated_at    timestamptz,
        credit_hold   boolean     NOT NULL DEFAULT false,
        origin        text        NOT NULL CHECK (origin IN ('labsync', 'lab')),
        writes        integer     NOT NULL DEFAULT 0,
        changed_at    timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${quoteIdent(schemaOf(queryRunner))}.customer_accounts`);
  }
}
