import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';

/**
 * Bookkeeping of the "accepted but never seen downstream" detector:
 * - unconfirmed_requests: requests the partner got a 2xx for whose correlation snapshot had not come back from
 *   the tracker UNCONFIRMED_REQUEST_AFTER_MS after they were stored; resolved_at is set once it arrives.
 * - unconfirmed_scan: how far (received_at, correlation_id) the detector has looked, so each pass reads only
 *   the requests stored since the last one instead of the whole table.
 */
export class UnconfirmedRequests1732700000000 implements MigrationInterface {
  name = 'UnconfirmedRequests1732700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`CREATE INDEX test_requests_received ON ${s}.test_requests (received_at, correlation_id)`);
    await queryRunner.query(`
      CREATE TABLE ${s}.unconfirmed_requests (
        correlation_id uuid        PRIMARY KEY REFERENCES ${s}.test_requests (correlation_id),
        detected_at    timestamptz NOT NULL DEFAULT now(),
        resolved_at    timestamptz,
        republished    integer     NOT NULL DEFAULT 0
      )`);
    await queryRunner.query(`CREATE INDEX unconfirmed_requests_open ON ${s}.unconfirmed_requests (detected_at) WHERE resolved_at IS NULL`);
    await queryRunner.query(`
      CREATE TABLE ${s}.unconfirmed_scan (
        id                  smallint    PRIMARY KEY CHECK (id = 1),
        scanned_through_at  timestamptz NOT NULL,
        scanned_through_id  uuid        NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`DROP TABLE ${s}.unconfirmed_scan`);
    await queryRunner.query(`DROP TABLE ${s}.unconfirmed_requests`);
    await queryRunner.query(`DROP INDEX ${s}.test_requests_received`);
  }
}
