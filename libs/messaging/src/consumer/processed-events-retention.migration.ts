import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';

/** The retention pruner deletes processed_events by age; without this index each batch scans the table. */
export class ProcessedEventsRetention1734200000000 implements MigrationInterface {
  name = 'ProcessedEventsRetention1734200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`CREATE INDEX processed_events_age ON ${s}.processed_events (processed_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ${quoteIdent(schemaOf(queryRunner))}.processed_events_age`);
  }
}
