import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';

/**
 * Poison handling for the outbox relay (issue 6):
 * - outbox.attempts counts publish attempts STARTED for a row (incremented before the send), so a row whose
 *   send kills the process is counted too, and a row that keeps failing is recognised after a restart.
 * - outbox_parked holds rows the relay gave up on (too large for the topic, or failed too often), with the
 *   reason, so the rows behind them keep flowing and operators can see (GET /v1/operator/outbox/parked) and
 *   re-queue them.
 * A new migration, not an edit of MessagingTables: that one is applied in every existing database.
 */
export class OutboxParking1733100000000 implements MigrationInterface {
  name = 'OutboxParking1733100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`ALTER TABLE ${s}.outbox ADD COLUMN attempts integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE ${s}.outbox ADD COLUMN last_error text`);
    await queryRunner.query(`
      CREATE TABLE ${s}.outbox_parked (
        id           bigint      PRIMARY KEY,
        topic        text        NOT NULL,
        message_key  text        NOT NULL,
        headers      jsonb       NOT NULL,
        envelope     jsonb       NOT NULL,
        created_at   timestamptz NOT NULL,
        attempts     integer     NOT NULL,
        reason       text        NOT NULL,
        size_bytes   integer     NOT NULL,
        parked_at    timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`DROP TABLE ${s}.outbox_parked`);
    await queryRunner.query(`ALTER TABLE ${s}.outbox DROP COLUMN last_error`);
    await queryRunner.query(`ALTER TABLE ${s}.outbox DROP COLUMN attempts`);
  }
}
