import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';
import { dispatchChannel } from './lab-adapter-tables';

/**
 * The dispatch wake-up channel moved to the shared notifyChannel name (`<schema>_dispatch`, hashed only when
 * too long). LabAdapterTables baked the old `labsync_dispatch_<sha256>` into lab_dispatches_notify(); this
 * recreates the function with the name the dispatchers now LISTEN on. Idempotent on a fresh database.
 */
export class LabDispatchChannel1734000100000 implements MigrationInterface {
  name = 'LabDispatchChannel1734000100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION ${quoteIdent(schema)}.lab_dispatches_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${dispatchChannel(schema)}', '');
        RETURN NULL;
      END $$`);
  }

  async down(): Promise<void> {
    // The old name is not restored: a rolled-back release LISTENs on it, so it would need the old code anyway.
  }
}
