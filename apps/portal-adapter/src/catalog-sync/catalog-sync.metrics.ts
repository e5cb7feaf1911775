import { Injectable } from '@nestjs/common';
import { Metrics } from '@labsync/observability';

/** What one pushed change did to the target: a write, a delete, a retire, nothing (already current), or a failure. */
export type TargetWriteOutcome = 'written' | 'unchanged' | 'deleted' | 'retired' | 'failed';

/** Instruments of the one-way sync's push side. */
@Injectable()
export class CatalogSyncMetrics {
  private readonly targetWrites;

  constructor(metrics: Metrics) {
    this.targetWrites = metrics.counter('labsync_sync_target_writes_total', 'Changes pushed to a sync target, by pipeline and outcome (failed: per failed attempt)', ['pipeline', 'outcome']);
  }

  targetWrite(pipeline: string, outcome: TargetWriteOutcome): void {
    this.targetWrites.inc({ pipeline, outcome });
  }
}
