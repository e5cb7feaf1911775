import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';

/**
 * The portal's copy of the lab's test catalog. The lab's fields arrive whole from labsync
 * (`PUT /api/catalog/<code>` replaces them, so they are nullable: a field left out is cleared);
 * `display_name` and `featured` are the portal's own, cleared the same way by a replace that leaves them out.
 * `origin` tells entries labsync wrote from ones portal users created; `writes` counts labsync's writes.
 */
export class PortalSimCatalogCopy1735000200000 implements MigrationInterface {
  name = 'PortalSimCatalogCopy1735000200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE ${s}.catalog_copy (
        code             text        COLLATE "C" PRIMARY KEY CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
        name             text        NOT NULL,
        matrix           text,
        unit             text,
        turnaround_hours integer,
        price_cents      integer,
        active           boolean     NOT NULL DEFAULT true,
        updated_at       timestamptz,
        display_name     text,
        featured         boolean     NOT NULL DEFAULT false,
        origin           text        NOT NULL CHECK (origin IN ('labsync', 'portal')),
        writes           integer     NOT NULL DEFAULT 0,
        changed_at       timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${quoteIdent(schemaOf(queryRunner))}.catalog_copy`);
  }
}
