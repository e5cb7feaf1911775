import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';

/**
 * correlation_views.applied_by: the replica (REPLICA_ID) whose consumer applied the newest snapshot. With
 * several replicas, the one holding a partner's waiting request is often not the one that consumed the
 * lab's answer; this column shows which did (operators, and the two-replica test, read it).
 */
export class SyncAnswers1732600000000 implements MigrationInterface {
  name = 'SyncAnswers1732600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`ALTER TABLE ${s}.correlation_views ADD COLUMN applied_by text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`ALTER TABLE ${s}.correlation_views DROP COLUMN applied_by`);
  }
}
