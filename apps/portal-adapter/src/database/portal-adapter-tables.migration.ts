import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';
import { callbackChannel } from './channels';

/**
 * portal-adapter's tables, in its own schema:
 * - test_requests: every request a partner submitted, stored before the partner gets its 202.
 * - idempotency_keys: (partner, key) -> the hash of the body first sent with it and the correlation it created.
 * - correlation_views: the newest correlation snapshot seen per correlation (the GET status read model).
 * - callback_deliveries: one row per notification owed to a partner's portal; the delivery worker sends them
 *   in seq order per correlation. A statement trigger NOTIFYs the worker on commit, so it wakes at once.
 */
export class PortalAdapterTables1732400000000 implements MigrationInterface {
  name = 'PortalAdapterTables1732400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    const s = quoteIdent(schema);
    await queryRunner.query(`
      CREATE TABLE ${s}.test_requests (
        correlation_id    uuid        PRIMARY KEY,
        partner_id        text        NOT NULL,
        portal_request_id text        NOT NULL,
        request           jsonb       NOT NULL,
        received_at       timestamptz NOT NULL,
        idempotency_key   text
      )`);
    await queryRunner.query(`CREATE INDEX test_requests_partner ON ${s}.test_requests (partner_id, portal_request_id)`);
    await queryRunner.query(`
      CREATE TABLE ${s}.idempotency_keys (
        partner_id     text        NOT NULL,
        key            text        NOT NULL,
        request_hash   text        NOT NULL,
        correlation_id uuid        NOT NULL REFERENCES ${s}.test_requests (correlation_id) DEFERRABLE INITIALLY DEFERRED,
        created_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (partner_id, key)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.correlation_views (
        correlation_id    text        PRIMARY KEY,
        partner_id        text        NOT NULL,
        portal_request_id text        NOT NULL,
        status            text        NOT NULL,
        lab_order_id      text,
        version           bigint      NOT NULL,
        timeline          jsonb       NOT NULL,
        results           jsonb       NOT NULL,
        updated_at        timestamptz NOT NULL,
        applied_at        timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.callback_deliveries (
        notification_id uuid        PRIMARY KEY,
        correlation_id  text        NOT NULL,
        seq             integer     NOT NULL,
        partner_id      text        NOT NULL,
        body            jsonb       NOT NULL,
        state           text        NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'DELIVERED')),
        attempts        integer     NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        lease_until     timestamptz,
        last_error      text,
        created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
        delivered_at    timestamptz,
        CONSTRAINT callback_deliveries_line UNIQUE (correlation_id, seq)
      )`);
    // The worker scans due rows, and checks "is there a lower undelivered seq" per correlation.
    await queryRunner.query(`CREATE INDEX callback_deliveries_due ON ${s}.callback_deliveries (next_attempt_at) WHERE state = 'PENDING'`);
    await queryRunner.query(`CREATE INDEX callback_deliveries_pending_line ON ${s}.callback_deliveries (correlation_id, seq) WHERE state = 'PENDING'`);
    await queryRunner.query(`
      CREATE FUNCTION ${s}.callback_deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${callbackChannel(schema)}', '');
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER callback_deliveries_notify AFTER INSERT ON ${s}.callback_deliveries
      FOR EACH STATEMENT EXECUTE FUNCTION ${s}.callback_deliveries_notify()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`DROP TRIGGER callback_deliveries_notify ON ${s}.callback_deliveries`);
    await queryRunner.query(`DROP FUNCTION ${s}.callback_deliveries_notify()`);
    await queryRunner.query(`DROP TABLE ${s}.callback_deliveries`);
    await queryRunner.query(`DROP TABLE ${s}.correlation_views`);
    await queryRunner.query(`DROP TABLE ${s}.idempotency_keys`);
    await queryRunner.query(`DROP TABLE ${s}.test_requests`);
  }
}
