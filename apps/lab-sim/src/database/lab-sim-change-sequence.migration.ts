import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';

/**
 * The lab's change feed (`GET /api/orders/changes`) reads the webhook outbox, which already holds every
 * change with its event id and body. `seq` (a bigserial) cannot be a reader's watermark: numbers are taken
 * before commit, so a change numbered 5 can become visible after one numbered 6 and be skipped for good.
 * `change_seq` is given to committed rows by the feed itself, one numbering transaction at a time, so a
 * number once handed out is never followed by a smaller one.
 */
export class LabSimChangeSequence1733000000000 implements MigrationInterface {
  name = 'LabSimChangeSequence1733000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`ALTER TABLE ${s}.webhook_outbox ADD COLUMN change_seq bigint`);
    await queryRunner.query(`CREATE UNIQUE INDEX webhook_outbox_change_seq ON ${s}.webhook_outbox (change_seq) WHERE change_seq IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX webhook_outbox_unsequenced ON ${s}.webhook_outbox (seq) WHERE change_seq IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`DROP INDEX ${s}.webhook_outbox_unsequenced`);
    await queryRunner.query(`DROP INDEX ${s}.webhook_outbox_change_seq`);
    await queryRunner.query(`ALTER TABLE ${s}.webhook_outbox DROP COLUMN change_seq`);
  }
}
