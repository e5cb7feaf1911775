import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, schemaOf } from '@labsync/persistence';

/**
 * The capture side of the one-way catalog sync (issue 9), one row per pipeline:
 * - catalog_sync_position: how far the capture has read the lab. `watermark` is the serialized
 *   (updatedAt, code) cursor of the watermark mode (null: from the start); `snapshot_cursor`/`snapshot_after_key`
 *   are where the synthetic-CDC snapshot in progress stands (both null: the next page starts a new snapshot).
 *   Moved in the transaction that writes the page's events to the outbox, so a crash keeps both or neither.
 * - catalog_sync_hashes: per code, the content hash the last snapshot saw (synthetic-cdc's memory).
 * - catalog_sync_set_aside: source rows not synced, with the reason; one row per (pipeline, kind, code), so a
 *   bad row read by every snapshot is counted, not listed again.
 * Codes compare in COLLATE "C", the order of libs/sync's compareKeys.
 */
export class CatalogSyncCapture1736100000000 implements MigrationInterface {
  name = 'CatalogSyncCapture1736100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE ${s}.catalog_sync_position (
        pipeline           text        PRIMARY KEY,
        watermark          text,
        snapshot_cursor    text,
        snapshot_after_key text COLLATE "C",
        rows_read          bigint      NOT NULL DEFAULT 0,
        rows_published     bigint      NOT NULL DEFAULT 0,
        rows_deleted       bigint      NOT NULL DEFAULT 0,
        rows_set_aside     bigint      NOT NULL DEFAULT 0,
        snapshots_completed bigint     NOT NULL DEFAULT 0,
        last_page_at       timestamptz,
        updated_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`INSERT INTO ${s}.catalog_sync_position (pipeline) VALUES ('catalog')`);
    await queryRunner.query(`
      CREATE TABLE ${s}.catalog_sync_hashes (
        pipeline text NOT NULL,
        code     text COLLATE "C" NOT NULL,
        hash     text NOT NULL,
        PRIMARY KEY (pipeline, code)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.catalog_sync_set_aside (
        id            bigserial   PRIMARY KEY,
        pipeline      text        NOT NULL,
        code          text,
        kind          text        NOT NULL,
        reason        text        NOT NULL,
        raw           jsonb,
        times         bigint      NOT NULL DEFAULT 1,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX catalog_sync_set_aside_identity ON ${s}.catalog_sync_set_aside (pipeline, kind, (coalesce(code, '')))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`DROP TABLE ${s}.catalog_sync_set_aside`);
    await queryRunner.query(`DROP TABLE ${s}.catalog_sync_hashes`);
    await queryRunner.query(`DROP TABLE ${s}.catalog_sync_position`);
  }
}
