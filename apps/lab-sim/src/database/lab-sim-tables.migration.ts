import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';

/**
 * lab-sim's tables, in its own schema:
 * - lab_orders: one row per external reference (the caller's correlation id); samples kept as JSON.
 *   `post_count` counts how often that reference was posted; `auto_step`/`next_auto_step_at` drive the
 *   auto-pilot from the database, so it resumes after a restart.
 * - lab_results: every result line reported, in report order (preliminary, final, corrected...).
 * - webhook_outbox: webhooks written in the same transaction as the change that caused them, then
 *   delivered by the dispatcher in `seq` order per lab order.
 */
export class LabSimTables1732300000000 implements MigrationInterface {
  name = 'LabSimTables1732300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE ${s}.lab_orders (
        lab_order_id      text        PRIMARY KEY,
        external_ref      text        NOT NULL,
        customer          jsonb       NOT NULL,
        priority          text        NOT NULL,
        notes             text,
        samples           jsonb       NOT NULL,
        status            text        NOT NULL DEFAULT 'RECEIVED'
                          CHECK (status IN ('RECEIVED', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED')),
        post_count        integer     NOT NULL DEFAULT 1,
        auto_step         integer     NOT NULL DEFAULT 0,
        next_auto_step_at timestamptz,
        created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT lab_orders_external_ref_key UNIQUE (external_ref)
      )`);
    await queryRunner.query(`CREATE INDEX lab_orders_auto_due ON ${s}.lab_orders (next_auto_step_at) WHERE next_auto_step_at IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX lab_orders_updated ON ${s}.lab_orders (updated_at, lab_order_id)`);
    await queryRunner.query(`CREATE INDEX lab_orders_created ON ${s}.lab_orders (created_at, lab_order_id)`);
    await queryRunner.query(`
      CREATE TABLE ${s}.lab_results (
        id            bigserial   PRIMARY KEY,
        lab_order_id  text        NOT NULL REFERENCES ${s}.lab_orders (lab_order_id) ON DELETE CASCADE,
        sample_id     text        NOT NULL,
        test_code     text        NOT NULL,
        result_status text        NOT NULL CHECK (result_status IN ('preliminary', 'final', 'corrected')),
        analytes      jsonb       NOT NULL,
        reported_at   timestamptz NOT NULL,
        event_id      uuid        NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX lab_results_order ON ${s}.lab_results (lab_order_id, id)`);
    await queryRunner.query(`
      CREATE TABLE ${s}.webhook_outbox (
        event_id        uuid        PRIMARY KEY,
        seq             bigserial   NOT NULL UNIQUE,
        lab_order_id    text        NOT NULL REFERENCES ${s}.lab_orders (lab_order_id) ON DELETE CASCADE,
        event_type      text        NOT NULL,
        body            jsonb       NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
        attempts        integer     NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        delivered_at    timestamptz,
        last_status     integer,
        last_error      text
      )`);
    await queryRunner.query(`CREATE INDEX webhook_outbox_pending ON ${s}.webhook_outbox (lab_order_id, seq) WHERE delivered_at IS NULL`);
    await queryRunner.query(`CREATE INDEX webhook_outbox_order ON ${s}.webhook_outbox (lab_order_id, seq)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`DROP TABLE ${s}.webhook_outbox`);
    await queryRunner.query(`DROP TABLE ${s}.lab_results`);
    await queryRunner.query(`DROP TABLE ${s}.lab_orders`);
  }
}
