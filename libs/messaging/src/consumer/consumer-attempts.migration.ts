import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';

/**
 * consumer_attempts (issue 7): handler attempts STARTED per consumer group and event id, counted in their own
 * committed statement before the handler runs, so a message that crashed or hung the process is recognised
 * after a restart and dead-lettered instead of taking the process down forever. A row lives only while an
 * event is unfinished: the transaction that records the event as processed deletes it; a dead-lettered
 * event keeps its row (dead_lettered_at) so a redelivery of the same record is not dead-lettered twice.
 * Separate from processed_events on purpose: retention of that table is another concern.
 */
export class ConsumerAttempts1734100000000 implements MigrationInterface {
  name = 'ConsumerAttempts1734100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE ${s}.consumer_attempts (
        consumer_group   text        NOT NULL,
        event_id         uuid        NOT NULL,
        topic            text        NOT NULL,
        attempts         integer     NOT NULL,
        dead_lettered_at timestamptz,
        updated_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, event_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${quoteIdent(schemaOf(queryRunner))}.consumer_attempts`);
  }
}
