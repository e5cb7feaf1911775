import type { MigrationInterface, QueryRunner } from 'typeorm';
import { notifyChannel, quoteIdent, schemaOf } from '@labsync/persistence';

/**
 * The tables every labsync app needs for reliable messaging, in the app's own schema:
 * - outbox: events written in the same transaction as the state change that caused them; the relay
 *   publishes and deletes them. A statement trigger NOTIFYs the relay on commit, so it wakes at once.
 * - processed_events: ids of events a consumer group has applied, written in the same transaction as the
 *   effect, which is what makes consumers idempotent.
 * Apps list this migration first among their own.
 */
export class MessagingTables1732100000000 implements MigrationInterface {
  name = 'MessagingTables1732100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    const s = quoteIdent(schema);
    await queryRunner.query(`
      CREATE TABLE ${s}.outbox (
        id           bigserial PRIMARY KEY,
        topic        text        NOT NULL,
        message_key  text        NOT NULL,
        headers      jsonb       NOT NULL,
        envelope     jsonb       NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE FUNCTION ${s}.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${outboxChannel(schema)}', '');
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER outbox_notify AFTER INSERT ON ${s}.outbox
      FOR EACH STATEMENT EXECUTE FUNCTION ${s}.outbox_notify()`);
    await queryRunner.query(`
      CREATE TABLE ${s}.processed_events (
        consumer_group text        NOT NULL,
        event_id       uuid        NOT NULL,
        topic          text        NOT NULL,
        processed_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, event_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`DROP TABLE ${s}.processed_events`);
    await queryRunner.query(`DROP TRIGGER outbox_notify ON ${s}.outbox`);
    await queryRunner.query(`DROP FUNCTION ${s}.outbox_notify()`);
    await queryRunner.query(`DROP TABLE ${s}.outbox`);
  }
}

/**
 * The LISTEN/NOTIFY channel of an app schema's outbox. It used to be `<schema>_outbox` unchecked, which a
 * schema longer than 56 characters pushed past Postgres' 63-byte limit, failing every outbox insert.
 */
export function outboxChannel(schema: string): string {
  return notifyChannel(schema, 'outbox');
}
