import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';

/**
 * Issue 6 (results must match the order; the inbox is bounded):
 * - lab_set_aside_events: lab webhooks that were stored but will never be published, kept for an operator.
 *   `disposition` says why: `refused` (a result that does not match the order, or a non-correction after
 *   delivery; `reason` in words) or `expired` (its lab order never became known within LAB_INBOX_EXPIRY_MS).
 *   Their lab_inbox row is marked processed, so a redelivery of the same event id stays a duplicate.
 * - lab_correlation_status: the latest correlation status the tracker published (compacted topic), by
 *   version, so the lab-adapter knows which requests are DELIVERED.
 */
export class LabResultAdmission1733600000000 implements MigrationInterface {
  name = 'LabResultAdmission1733600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE ${s}.lab_set_aside_events (
        event_id       uuid        PRIMARY KEY,
        lab_order_id   text        NOT NULL,
        correlation_id text,
        type           text        NOT NULL,
        disposition    text        NOT NULL CHECK (disposition IN ('refused', 'expired')),
        reason         text        NOT NULL,
        body           jsonb       NOT NULL,
        received_at    timestamptz NOT NULL,
        set_aside_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX lab_set_aside_events_list ON ${s}.lab_set_aside_events (disposition, set_aside_at DESC)`);
    // Which tests of a lab order already have a final result, and when the lab said COMPLETED: read for every
    // result that arrives.
    await queryRunner.query(`CREATE INDEX lab_inbox_by_order ON ${s}.lab_inbox (lab_order_id, type)`);
    await queryRunner.query(`
      CREATE TABLE ${s}.lab_correlation_status (
        correlation_id text        PRIMARY KEY,
        status         text        NOT NULL,
        version        integer     NOT NULL,
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`DROP TABLE ${s}.lab_correlation_status`);
    await queryRunner.query(`DROP INDEX ${s}.lab_inbox_by_order`);
    await queryRunner.query(`DROP TABLE ${s}.lab_set_aside_events`);
  }
}
