import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CORRELATION_STATUSES } from '@labsync/contracts';
import { quoteIdent, schemaOf } from '@labsync/persistence';

/**
 * correlation-tracker's table, in its own schema: one row per correlation id, holding the state the
 * status machine works on (status, identity, timeline and results as JSON, the per-correlation `next_seq`
 * counter shared by timeline entries and results, and the seqs the portal acknowledged).
 * `status` and the identity are null while only events that overtook request.submitted are known.
 */
export class CorrelationTables1732400000000 implements MigrationInterface {
  name = 'CorrelationTables1732400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    const statuses = CORRELATION_STATUSES.map((status) => `'${status}'`).join(', ');
    await queryRunner.query(`
      CREATE TABLE ${s}.correlations (
        correlation_id    text        PRIMARY KEY,
        partner_id        text,
        portal_request_id text,
        status            text        CHECK (status IN (${statuses})),
        lab_order_id      text,
        version           integer     NOT NULL DEFAULT 0 CHECK (version >= 0),
        next_seq          integer     NOT NULL DEFAULT 1 CHECK (next_seq >= 1),
        timeline          jsonb       NOT NULL DEFAULT '[]'::jsonb,
        results           jsonb       NOT NULL DEFAULT '[]'::jsonb,
        delivered_seqs    integer[]   NOT NULL DEFAULT '{}',
        created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at        timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    // The operators' list: by status, most recently changed first (and without a status filter).
    await queryRunner.query(`CREATE INDEX correlations_status_updated ON ${s}.correlations (status, updated_at DESC, correlation_id)`);
    await queryRunner.query(`CREATE INDEX correlations_updated ON ${s}.correlations (updated_at DESC, correlation_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`DROP TABLE ${s}.correlations`);
  }
}
