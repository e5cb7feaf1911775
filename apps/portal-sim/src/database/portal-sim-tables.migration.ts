import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';

/**
 * portal-sim's one table: every callback event it accepted, once per event id. `deliveries` counts how often
 * that event id arrived; `arrival_seq` is the order of first arrival, which a repeat does not change.
 */
export class PortalSimTables1732300000001 implements MigrationInterface {
  name = 'PortalSimTables1732300000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE ${s}.received_events (
        event_id          uuid        PRIMARY KEY,
        arrival_seq       bigserial   NOT NULL UNIQUE,
        partner_id        text        NOT NULL,
        type              text        NOT NULL,
        correlation_id    text        NOT NULL,
        portal_request_id text,
        body              jsonb       NOT NULL,
        deliveries        integer     NOT NULL DEFAULT 1,
        first_received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        last_received_at  timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await queryRunner.query(`CREATE INDEX received_events_correlation ON ${s}.received_events (correlation_id, arrival_seq)`);
    await queryRunner.query(`CREATE INDEX received_events_partner ON ${s}.received_events (partner_id, arrival_seq)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${quoteIdent(schemaOf(queryRunner))}.received_events`);
  }
}
