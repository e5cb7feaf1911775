import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Topic } from '@labsync/contracts';
import { OutboxWriter, type PendingOutboxEvent, type PendingTombstone } from '@labsync/messaging';
import { Metrics, type Logger } from '@labsync/observability';
import { schemaOf } from '@labsync/persistence';
import { LOGGER } from '@labsync/service-runtime';
import { diffSnapshotPage, hashPage, snapshotPageRange, SourcePagingError, type SetAsideRow } from '@labsync/sync';
import { AdvisoryLeadership, WorkerLoop, type RunResult } from '@labsync/worker';
import { DataSource } from 'typeorm';
import { CATALOG_PIPELINE, catalogEntity } from './catalog-entity';
import { CATALOG_SYNC_CONFIG, type CatalogSyncConfig } from './catalog-sync-config';
import { CatalogSyncMetrics } from './catalog-sync-metrics';
import { CatalogSyncRepository, type CaptureCounts, type CommitOutcome } from './catalog-sync.repository';
import { LabCatalogSource } from './lab-catalog-source';
import { planWatermarkPage } from './watermark-page';

/** How often a replica that is not the capturer checks whether it can take over. */
const STANDBY_RETRY_MS = 2000;
/** Cap of the backoff while the lab (or Postgres) fails. */
const MAX_BACKOFF_MS = 30000;

/** What one page did: another page follows at once, the source has nothing more for now, or it failed (back off). */
type PageOutcome = 'more' | 'done' | 'failed';

/**
 * Captures the lab's catalog changes (CATALOG_SYNC_CAPTURE) onto `labsync.catalog.entries.v1` through the
 * outbox, one page per transaction with the durable position. One replica captures at a time (a session
 * advisory lock); the position row is compared before it is moved, so even a runner that lost its lock
 * mid-page cannot publish a page twice. While the lab fails the loop backs off and the position stays.
 */
@Injectable()
export class CatalogCaptureRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: WorkerLoop;
  private readonly log: Logger;
  private failures = 0;

  constructor(
    @Inject(CATALOG_SYNC_CONFIG) private readonly config: CatalogSyncConfig,
    private readonly source: LabCatalogSource,
    private readonly repository: CatalogSyncRepository,
    private readonly outbox: OutboxWriter,
    private readonly metrics: CatalogSyncMetrics,
    dataSource: DataSource,
    @Inject(LOGGER) logger: Logger,
    registry: Metrics,
  ) {
    this.log = logger.child({ component: 'catalog-capture', pipeline: CATALOG_PIPELINE, mode: config.capture });
    const lock = new AdvisoryLeadership({
      databaseUrl: (dataSource.options as { url?: string }).url ?? '',
      lockKey: `labsync-sync-capture:${CATALOG_PIPELINE}:${schemaOf(dataSource)}`,
      applicationName: 'catalog-capture',
      log: this.log,
      onChange: (leading) => {
        this.metrics.leader.set({ pipeline: CATALOG_PIPELINE }, leading ? 1 : 0);
        if (leading) this.log.info('this replica now captures the catalog');
      },
    });
    this.loop = new WorkerLoop({
      name: 'catalog-capture',
      run: () => this.runOnce(),
      idleRecheckMs: config.intervalMs,
      backoff: { baseMs: Math.min(config.intervalMs, MAX_BACKOFF_MS), maxMs: MAX_BACKOFF_MS, jitter: 'equal' },
      // The page outcome was logged already (first failure and one in ten); this is the lock or a thrown run.
      onFailure: (error, consecutive, retryInMs) => {
        if (error !== undefined) this.log.warn({ err: error, consecutive, retryInMs }, 'catalog capture run failed; backing off');
      },
      leadership: { lock, standbyMs: STANDBY_RETRY_MS },
      log: this.log,
      metrics: registry,
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.capture === 'off') {
      this.log.info('catalog capture is off (CATALOG_SYNC_CAPTURE=off)');
      return;
    }
    this.log.info({ intervalMs: this.config.intervalMs, pageSize: this.config.pageSize }, 'catalog capture started');
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** Capture now rather than at the end of the current wait. */
  wake(): void {
    this.loop.wake();
  }

  private async runOnce(): Promise<RunResult> {
    const outcome = this.config.capture === 'synthetic-cdc' ? await this.snapshotPage() : await this.watermarkPage();
    if (outcome === 'failed') {
      this.failures += 1;
      return 'failed';
    }
    if (this.failures > 0) this.log.info({ failures: this.failures }, 'catalog capture reads the lab again after failures');
    this.failures = 0;
    return outcome === 'more' ? 'more' : { waitMs: this.config.intervalMs };
  }

  /** `watermark`: the rows after the stored (updatedAt, code) cursor, upserted, and the cursor moved past them. */
  private async watermarkPage(): Promise<PageOutcome> {
    let from;
    try {
      from = (await this.repository.position(CATALOG_PIPELINE)).watermark;
    } catch (error) {
      return this.failed('store_error', error);
    }
    const read = await this.source.watermarkPage(from, this.config.pageSize);
    if (read.kind === 'failed') return this.failed(read.reason, read.detail);
    const raw = read.page.rows;
    const plan = planWatermarkPage(from, raw, this.config.pageSize, read.page.hasMore);
    if (plan.kind === 'stuck') return this.failed('paging_error', plan.reason);
    const { setAside, cursor } = plan;
    const correlationId = randomUUID();
    const events = plan.upserts.map((r) => this.outbox.prepare(Topic.catalogEntries, { kind: 'upserted', entityId: r.key, entity: r.row }, { correlationId, key: r.key }));
    const counts: CaptureCounts = { rowsRead: raw.length, rowsPublished: events.length, rowsDeleted: 0, rowsSetAside: setAside.length };

    let outcome: CommitOutcome;
    try {
      outcome = await this.repository.commitWatermarkPage(CATALOG_PIPELINE, from, cursor, { events, setAside, counts, syncedKeys: plan.upserts.map((r) => r.key) });
    } catch (error) {
      return this.failed('store_error', error);
    }
    if (outcome.kind === 'moved') return this.moved();
    this.stored(counts, setAside, outcome.firstSetAside, { watermark: cursor });
    return plan.exhausted ? 'done' : 'more';
  }

  /**
   * `synthetic-cdc`: one page of the full snapshot in code order, diffed against the hashes the last snapshot
   * stored for the same range: inserts and updates upserted, vanished codes deleted (event + tombstone).
   */
  private async snapshotPage(): Promise<PageOutcome> {
    let from;
    try {
      from = await this.repository.position(CATALOG_PIPELINE);
    } catch (error) {
      return this.failed('store_error', error);
    }
    const read = await this.source.snapshotPage(from.snapshotCursor, this.config.pageSize);
    if (read.kind === 'failed') return this.failed(read.reason, read.detail);
    const page = hashPage(catalogEntity, read.page.rows);
    let range;
    try {
      range = snapshotPageRange(from.snapshotAfterKey, page, this.config.pageSize, read.page.nextCursor === null);
    } catch (error) {
      if (error instanceof SourcePagingError) return this.failed('paging_error', error.message);
      throw error;
    }
    let changes;
    try {
      changes = diffSnapshotPage(range, page, await this.repository.storedHashes(CATALOG_PIPELINE, range));
    } catch (error) {
      return this.failed('store_error', error);
    }
    if (changes.deletesWithheld) this.log.warn({ afterKey: range.afterKey, throughKey: range.throughKey }, 'a snapshot page holds a row without a code; its deletes wait for the next snapshot');

    const correlationId = randomUUID();
    const deletedAt = new Date().toISOString();
    const events: (PendingOutboxEvent<string> | PendingTombstone<string>)[] = [
      ...[...changes.inserts, ...changes.updates].map((r) => this.outbox.prepare(Topic.catalogEntries, { kind: 'upserted', entityId: r.key, entity: r.row }, { correlationId, key: r.key })),
      ...changes.deletes.flatMap((d) => this.outbox.prepareEntityDeletion(Topic.catalogEntries, { entityId: d.key, deletedAt, detectedBy: 'synthetic-cdc' }, { correlationId })),
    ];
    const counts: CaptureCounts = {
      rowsRead: read.page.rows.length,
      rowsPublished: changes.inserts.length + changes.updates.length,
      rowsDeleted: changes.deletes.length,
      rowsSetAside: changes.setAside.length,
    };
    const to = changes.nextAfterKey === null ? { snapshotCursor: null, snapshotAfterKey: null } : { snapshotCursor: read.page.nextCursor, snapshotAfterKey: changes.nextAfterKey };

    let outcome: CommitOutcome;
    try {
      outcome = await this.repository.commitSnapshotPage(CATALOG_PIPELINE, from, to, range, changes.store, { events, setAside: changes.setAside, counts, syncedKeys: page.rows.map((r) => r.key) });
    } catch (error) {
      return this.failed('store_error', error);
    }
    if (outcome.kind === 'moved') return this.moved();
    this.stored(counts, changes.setAside, outcome.firstSetAside, { throughKey: range.throughKey, last: range.last });
    return range.last ? 'done' : 'more';
  }

  private stored(counts: CaptureCounts, setAside: readonly SetAsideRow[], firstSetAside: readonly SetAsideRow[], position: object): void {
    const pipeline = CATALOG_PIPELINE;
    this.metrics.pages.inc({ pipeline, outcome: 'ok' });
    this.metrics.rowsRead.inc({ pipeline, mode: this.config.capture }, counts.rowsRead);
    if (counts.rowsPublished > 0) this.metrics.rowsPublished.inc({ pipeline, kind: 'upserted' }, counts.rowsPublished);
    if (counts.rowsDeleted > 0) this.metrics.rowsPublished.inc({ pipeline, kind: 'deleted' }, counts.rowsDeleted);
    for (const row of setAside) this.metrics.rowsSetAside.inc({ pipeline, reason: row.kind });
    // Once per row, the code and the kind only: the row itself (and the reason, which may quote it) is in catalog_sync_set_aside.
    for (const row of firstSetAside) this.log.warn({ code: row.key, kind: row.kind }, 'catalog row set aside');
    this.metrics.lastSuccess.set({ pipeline }, Date.now() / 1000);
    if (counts.rowsRead > 0) this.log.debug({ ...counts, ...position }, 'catalog page captured');
  }

  private moved(): PageOutcome {
    this.metrics.pages.inc({ pipeline: CATALOG_PIPELINE, outcome: 'moved' });
    this.log.info('the capture position moved under this run (another replica stored the page); page dropped');
    return 'done';
  }

  private failed(outcome: string, detail: unknown): PageOutcome {
    this.metrics.pages.inc({ pipeline: CATALOG_PIPELINE, outcome });
    const consecutive = this.failures + 1;
    // The first failure and then one in ten: a long lab outage must not flood the log.
    if (consecutive === 1 || consecutive % 10 === 0) this.log.warn({ outcome, detail: detail instanceof Error ? detail.message : detail, consecutive }, 'catalog capture could not read or store a page; backing off');
    return 'failed';
  }
}
