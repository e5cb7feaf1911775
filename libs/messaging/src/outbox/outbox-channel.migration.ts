import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';
import { outboxChannel } from './messaging-tables.migration';

/**
 * MessagingTables baked `<schema>_outbox` into outbox_notify() unchecked; with a schema longer than 56
 * characters pg_notify refused it and every outbox insert failed. This recreates the function with the shared
 * notifyChannel name (unchanged for schemas that fit, so a no-op for them).
 */
export class OutboxChannel1734000000000 implements MigrationInterface {
  name = 'OutboxChannel1734000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION ${quoteIdent(schema)}.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${outboxChannel(schema)}', '');
        RETURN NULL;
      END $$`);
  }

  async down(): Promise<void> {
    // Nothing to undo: for every schema that worked before, the name is the same.
  }
}
