import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';
import { dispatchChannel } from './lab-adapter-tables';

/**
 * The lab-adapter's tables, in its own schema:
 * - lab_dispatches: one row per correlation id to send to the lab; the dispatcher claims due PENDING rows
 *   with a lease (`lease_until`, `lease_token`) so replicas never POST the same one at once. A statement
 *   trigger NOTIFYs the dispatchers on commit.
 * - lab_orders: the lab's order id for each accepted correlation id (how lab webhooks find their request).
 * - lab_inbox: every lab webhook, stored before anything else; `arrival` orders them, `processed_at` marks
 *   those already turned into events.
 */
export class LabAdapterTables1732400000000 implements MigrationInterface {
  name = 'LabAdapterTables1732400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    const s = quoteIdent(schema);
    await queryRunner.query(`
      CREATE TABLE ${s}.lab_dispatches (
        correlation_id    text        PRIMARY KEY,
        partner_id        text        NOT NULL,
        request           jsonb       NOT NULL,
        state             text        NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'ACCEPTED', 'REJECTED')),
        attempts          integer     NOT NULL DEFAULT 0,
        next_attempt_at   timestamptz NOT NULL DEFAULT now(),
        lease_until       timestamptz,
        lease_token       uuid,
        lab_order_id      text,
        rejection_reasons jsonb,
        last_error        text,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX lab_dispatches_due ON ${s}.lab_dispatches (next_attempt_at) WHERE state = 'PENDING'`);
    await queryRunner.query(`
      CREATE FUNCTION ${s}.lab_dispatches_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${dispatchChannel(schema)}', '');
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER lab_dispatches_notify AFTER INSERT ON ${s}.lab_dispatches
      FOR EACH STATEMENT EXECUTE FUNCTION ${s}.lab_dispatches_notify()`);
    await queryRunner.query(`
      CREATE TABLE ${s}.lab_orders (
        lab_order_id   text        PRIMARY KEY,
        correlation_id text        NOT NULL UNIQUE,
        accepted_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.lab_inbox (
        event_id     uuid        PRIMARY KEY,
        lab_order_id text        NOT NULL,
        type         text        NOT NULL,
        body         jsonb       NOT NULL,
        received_at  timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz,
        arrival      bigserial   NOT NULL UNIQUE
      )`);
    await queryRunner.query(`CREATE INDEX lab_inbox_pending ON ${s}.lab_inbox (lab_order_id, arrival) WHERE processed_at IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`DROP TABLE ${s}.lab_inbox`);
    await queryRunner.query(`DROP TABLE ${s}.lab_orders`);
    await queryRunner.query(`DROP TRIGGER lab_dispatches_notify ON ${s}.lab_dispatches`);
    await queryRunner.query(`DROP FUNCTION ${s}.lab_dispatches_notify()`);
    await queryRunner.query(`DROP TABLE ${s}.lab_dispatches`);
  }
}
