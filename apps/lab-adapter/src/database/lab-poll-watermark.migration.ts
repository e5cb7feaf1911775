import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';

/**
 * lab_poll_watermark: how far the poller has read the lab's change feed (LAB_EVENTS_MODE=polling). One row per
 * feed (this deployment's lab is feed 'lab'); `cursor` is the lab's opaque cursor of the last change stored,
 * null before the first. It is advanced in the transaction that stores the changes in lab_inbox, so a crash
 * either keeps both or neither.
 */
export class LabPollWatermark1733000000000 implements MigrationInterface {
  name = 'LabPollWatermark1733000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE ${s}.lab_poll_watermark (
        feed           text        PRIMARY KEY,
        cursor         text,
        changes_stored bigint      NOT NULL DEFAULT 0,
        last_change_at timestamptz,
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`INSERT INTO ${s}.lab_poll_watermark (feed) VALUES ('lab')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${quoteIdent(schemaOf(queryRunner))}.lab_poll_watermark`);
  }
}
