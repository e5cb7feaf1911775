import { Injectable } from '@nestjs/common';
import { Metrics } from '@labsync/observability';

/** Prometheus instruments of the capture side of one-way sync, labelled by pipeline (catalog here). */
@Injectable()
export class CatalogSyncMetrics {
  /** Source rows read, by capture mode. */
  readonly rowsRead;
  /** Changes written to the outbox of the entity topic, by kind: upserted, deleted. */
  readonly rowsPublished;
  /** Source rows not synced, by reason: invalid, duplicate-key, out-of-order. */
  readonly rowsSetAside;
  /** Pages read, by outcome: ok, moved (another replica stored it), lab_error, timeout, unreachable, malformed, paging_error, store_error. */
  readonly pages;
  /** Unix time of the last page read and stored: alert on `time() - labsync_sync_capture_last_success_timestamp_seconds`. */
  readonly lastSuccess;
  /** 1 on the replica that captures the pipeline (elected by a Postgres advisory lock). */
  readonly leader;

  constructor(metrics: Metrics) {
    this.rowsRead = metrics.counter('labsync_sync_capture_rows_read_total', 'Source rows read by a sync capture, by pipeline and mode', ['pipeline', 'mode']);
    this.rowsPublished = metrics.counter('labsync_sync_capture_rows_published_total', 'Changes a sync capture wrote to its entity topic, by pipeline and kind', ['pipeline', 'kind']);
    this.rowsSetAside = metrics.counter('labsync_sync_capture_rows_set_aside_total', 'Source rows a sync capture set aside, by pipeline and reason', ['pipeline', 'reason']);
    this.pages = metrics.counter('labsync_sync_capture_pages_total', 'Source pages read by a sync capture, by pipeline and outcome', ['pipeline', 'outcome']);
    this.lastSuccess = metrics.gauge('labsync_sync_capture_last_success_timestamp_seconds', 'Unix time of the last page a sync capture read and stored', ['pipeline']);
    this.leader = metrics.gauge('labsync_sync_capture_leader', '1 on the replica that runs a sync capture', ['pipeline']);
  }
}
