import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';

/**
 * The lab's test catalog becomes a table, the system of record that labsync copies to the portal, seeded
 * with the catalog the lab has always had (the values are written out here: a migration must not change
 * when code does). Codes compare in byte order (COLLATE "C"), whatever the server's locale. `updated_at` is
 * kept to the millisecond so that the stamp a reader is given (an ISO string) is exactly the stored one: a
 * watermark `(updated_at, code) > (stamp, code)` with a rounded stamp would re-read the same rows forever.
 * `catalog_tests_watermark` serves that read.
 */
export class LabSimCatalog1735000100000 implements MigrationInterface {
  name = 'LabSimCatalog1735000100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE ${s}.catalog_tests (
        code             text        COLLATE "C" PRIMARY KEY CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
        name             text        NOT NULL,
        matrix           text,
        unit             text        NOT NULL,
        turnaround_hours integer     NOT NULL CHECK (turnaround_hours > 0),
        price_cents      integer     NOT NULL CHECK (price_cents >= 0),
        active           boolean     NOT NULL DEFAULT true,
        updated_at       timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp())
                         CHECK (updated_at = date_trunc('milliseconds', updated_at))
      )`);
    await queryRunner.query(`CREATE INDEX catalog_tests_watermark ON ${s}.catalog_tests (updated_at, code)`);
    await queryRunner.query(`
      INSERT INTO ${s}.catalog_tests (code, name, matrix, unit, turnaround_hours, price_cents) VALUES
        ('PH',        'pH',                                      'water', 'pH',          24,  1200),
        ('LEAD',      'Lead (ICP-MS)',                           NULL,    'µg/L',        72,  4500),
        ('COPPER',    'Copper (ICP-MS)',                         NULL,    'mg/L',        72,  4500),
        ('ARSENIC',   'Arsenic (ICP-MS)',                        NULL,    'µg/L',        72,  5200),
        ('NITRATE',   'Nitrate and nitrite (as N)',              'water', 'mg/L',        48,  2800),
        ('E-COLI',    'E. coli and total coliforms (Colilert)',  'water', 'MPN/100 mL',  24,  3500),
        ('TURBIDITY', 'Turbidity (nephelometric)',               'water', 'NTU',         24,  1500),
        ('HARDNESS',  'Total hardness',                          'water', 'mg/L CaCO3',  48,  2200),
        ('CHLORINE',  'Free and total chlorine',                 'water', 'mg/L',        24,  1800),
        ('FLUORIDE',  'Fluoride (ion chromatography)',           'water', 'mg/L',        48,  3000),
        ('PFAS',      'PFOA and PFOS (LC-MS/MS)',                'water', 'ng/L',       240, 29500),
        ('TDS',       'Total dissolved solids',                  NULL,    'mg/L',        48,  2000)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${quoteIdent(schemaOf(queryRunner))}.catalog_tests`);
  }
}
