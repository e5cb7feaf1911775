import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CORRELATION_STATUSES, STALL_REASONS } from '@labsync/contracts';
import { quoteIdent, schemaOf } from '@labsync/persistence';

/**
 * Stalled requests (see README "Stalled requests"):
 * - the stall watch, `watch_reason` + `watch_since`: what a correlation waits for from the lab and since
 *   when; the sweeper's query is an index range scan per reason (`watch_since <= now() - limit`), and the
 *   limits are applied at query time, so a changed STALL_*_AFTER_MS applies to every open correlation;
 * - the STALLED overlay, `stall_reason`, `stall_since`, `stalled_at`, `stalled_in` (the status it covers),
 *   set exactly while status is STALLED.
 * Open correlations from before this migration start their watch at their last change (`updated_at`).
 */
export class StallWatch1732500000000 implements MigrationInterface {
  name = 'StallWatch1732500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    const reasons = STALL_REASONS.map((reason) => `'${reason}'`).join(', ');
    const statuses = CORRELATION_STATUSES.map((status) => `'${status}'`).join(', ');
    await queryRunner.query(`
      ALTER TABLE ${s}.correlations
        ADD COLUMN watch_reason text        CHECK (watch_reason IN (${reasons})),
        ADD COLUMN watch_since  timestamptz,
        ADD COLUMN stall_reason text        CHECK (stall_reason IN (${reasons})),
        ADD COLUMN stall_since  timestamptz,
        ADD COLUMN stalled_at   timestamptz,
        ADD COLUMN stalled_in   text        CHECK (stalled_in IN (${statuses})),
        ADD CONSTRAINT correlations_watch_complete CHECK ((watch_reason IS NULL) = (watch_since IS NULL)),
        ADD CONSTRAINT correlations_stall_overlay CHECK (
          (status IS NOT DISTINCT FROM 'STALLED') = (stall_reason IS NOT NULL)
          AND (stall_reason IS NULL) = (stall_since IS NULL)
          AND (stall_reason IS NULL) = (stalled_at IS NULL)
          AND (stall_reason IS NULL) = (stalled_in IS NULL))`);
    await queryRunner.query(`
      UPDATE ${s}.correlations
         SET watch_reason = CASE WHEN status IN ('RECEIVED', 'DISPATCHED') THEN 'lab-acceptance-overdue' ELSE 'results-overdue' END,
             watch_since = updated_at
       WHERE partner_id IS NOT NULL AND portal_request_id IS NOT NULL
         AND status IN ('RECEIVED', 'DISPATCHED', 'ACCEPTED_BY_LAB', 'IN_PROGRESS', 'RESULTS_PARTIAL')`);
    await queryRunner.query(`CREATE INDEX correlations_stall_watch ON ${s}.correlations (watch_reason, watch_since) WHERE watch_reason IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`DROP INDEX ${s}.correlations_stall_watch`);
    await queryRunner.query(`
      ALTER TABLE ${s}.correlations
        DROP CONSTRAINT correlations_stall_overlay, DROP CONSTRAINT correlations_watch_complete,
        DROP COLUMN watch_reason, DROP COLUMN watch_since, DROP COLUMN stall_reason, DROP COLUMN stall_since,
        DROP COLUMN stalled_at, DROP COLUMN stalled_in`);
  }
}
