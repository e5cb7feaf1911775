import type { Metrics } from '@labsync/observability';
import { WorkerLoop } from '@labsync/worker';
import type { DataSource } from 'typeorm';
import type { RetentionRule } from './retention-rule';

export interface RetentionPrunerOptions {
  dataSource: DataSource;
  /** The app's schema: one pruner per schema is active at a time, whatever the number of replicas. */
  schema: string;
  rules: RetentionRule[];
  /** Pause between passes (RETENTION_INTERVAL_MS). */
  intervalMs: number;
  /** Rows per DELETE (RETENTION_BATCH_SIZE). */
  batchSize: number;
  /** Called after every batch that deleted rows (the rows-pruned metric). */
  onPruned: (table: string, rows: number) => void;
  log: { warn(details: object, message: string): void; info(details: object, message: string): void };
  /** The shared worker metrics (labsync_worker_runs_total{worker="retention"}...). */
  metrics?: Metrics;
}

/**
 * Deletes what the bookkeeping tables no longer need, off the hot path: every `intervalMs`, the replica that
 * gets the schema's advisory lock deletes each rule's expired rows in batches of `batchSize`.
 * Runs on the shared WorkerLoop. The lock is taken per pass on a pooled connection (pg_try_advisory_lock)
 * rather than with AdvisoryLeadership: an hourly job should not pin a connection of its own in every replica.
 */
export class RetentionPruner {
  private readonly loop: WorkerLoop;

  constructor(private readonly options: RetentionPrunerOptions) {
    this.loop = new WorkerLoop({
      name: 'retention',
      run: async () => {
        const pruned = await this.prune(() => !this.loop.isRunning);
        const total = Object.values(pruned ?? {}).reduce((a, b) => a + b, 0);
        if (total > 0) options.log.info({ pruned }, 'retention: expired bookkeeping rows deleted');
      },
      idleRecheckMs: options.intervalMs,
      firstRunAfterMs: options.intervalMs,
      // A failed pass is retried at the next interval, not sooner: retention is never urgent.
      backoff: { baseMs: options.intervalMs, maxMs: options.intervalMs, jitter: 'none' },
      onFailure: (error) => options.log.warn({ err: error }, 'retention pass failed; retried at the next interval'),
      log: options.log,
      metrics: options.metrics,
    });
  }

  start(): void {
    if (this.options.rules.length === 0) return;
    this.loop.start();
  }

  /** Ends the wait at once; a pass in progress stops after its current batch. */
  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** One pass over every rule; returns the rows deleted per table, or null when another replica prunes. */
  async pruneOnce(): Promise<Record<string, number> | null> {
    return this.prune(() => false);
  }

  private async prune(stopping: () => boolean): Promise<Record<string, number> | null> {
    const runner = this.options.dataSource.createQueryRunner();
    const lock = `labsync-retention:${this.options.schema}`;
    try {
      await runner.connect();
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [lock])) as { locked: boolean }[];
      if (!locked) return null;
      try {
        const pruned: Record<string, number> = {};
        for (const rule of this.options.rules) {
          pruned[rule.table] = 0;
          for (;;) {
            const [, deleted] = (await runner.query(rule.deleteBatch, [rule.retentionMs, this.options.batchSize])) as [unknown, number];
            if (deleted > 0) {
              pruned[rule.table] += deleted;
              this.options.onPruned(rule.table, deleted);
            }
            if (deleted < this.options.batchSize || stopping()) break;
          }
        }
        return pruned;
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [lock]).catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }
}
