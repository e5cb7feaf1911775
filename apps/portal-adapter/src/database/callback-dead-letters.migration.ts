import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';

/**
 * Dead-lettered callbacks. A delivery the portal did not acknowledge after CALLBACK_MAX_ATTEMPTS attempts
 * becomes DEAD (dead_at set) and stays in callback_deliveries until an operator replays it (back to
 * PENDING; replays counts how often, replayed_at says when last).
 *
 * A DEAD delivery still holds the later notifications of its correlation (order per correlation id), so the
 * head-of-line index now covers every row that is not DELIVERED instead of PENDING ones only.
 */
export class CallbackDeadLetters1732500000000 implements MigrationInterface {
  name = 'CallbackDeadLetters1732500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`ALTER TABLE ${s}.callback_deliveries DROP CONSTRAINT callback_deliveries_state_check`);
    await queryRunner.query(
      `ALTER TABLE ${s}.callback_deliveries ADD CONSTRAINT callback_deliveries_state_check CHECK (state IN ('PENDING', 'DELIVERED', 'DEAD'))`,
    );
    await queryRunner.query(`
      ALTER TABLE ${s}.callback_deliveries
        ADD COLUMN dead_at     timestamptz,
        ADD COLUMN replays     integer     NOT NULL DEFAULT 0,
        ADD COLUMN replayed_at timestamptz`);
    await queryRunner.query(`CREATE INDEX callback_deliveries_dead ON ${s}.callback_deliveries (dead_at) WHERE state = 'DEAD'`);
    await queryRunner.query(`CREATE INDEX callback_deliveries_open_line ON ${s}.callback_deliveries (correlation_id, seq) WHERE state <> 'DELIVERED'`);
    await queryRunner.query(`DROP INDEX ${s}.callback_deliveries_pending_line`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`CREATE INDEX callback_deliveries_pending_line ON ${s}.callback_deliveries (correlation_id, seq) WHERE state = 'PENDING'`);
    await queryRunner.query(`DROP INDEX ${s}.callback_deliveries_open_line`);
    await queryRunner.query(`DROP INDEX ${s}.callback_deliveries_dead`);
    // Rows that are DEAD go back to the queue: the old schema knows no other way to hold them.
    await queryRunner.query(`UPDATE ${s}.callback_deliveries SET state = 'PENDING', next_attempt_at = clock_timestamp() WHERE state = 'DEAD'`);
    await queryRunner.query(`ALTER TABLE ${s}.callback_deliveries DROP COLUMN dead_at, DROP COLUMN replays, DROP COLUMN replayed_at`);
    await queryRunner.query(`ALTER TABLE ${s}.callback_deliveries DROP CONSTRAINT callback_deliveries_state_check`);
    await queryRunner.query(
      `ALTER TABLE ${s}.callback_deliveries ADD CONSTRAINT callback_deliveries_state_check CHECK (state IN ('PENDING', 'DELIVERED'))`,
    );
  }
}
