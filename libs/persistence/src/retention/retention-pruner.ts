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
}

/**
 * Deletes what the bookkeeping tables no longer need, off the hot path: every `intervalMs`, the replica that
 * gets the schema's advisory lock deletes each rule's expired rows in batches of `batchSize`.
 * Deliberately a tiny loop of its own; once the shared background-worker primitive exists it becomes one
 * worker (its interval, leader lock and backoff), with `pruneOnce` as the body.
 */
export class RetentionPruner {
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<unknown> | null = null;
  private running = false;

  constructor(private readonly options: RetentionPrunerOptions) {}

  start(): void {
    if (this.running || this.options.rules.length === 0) return;
    this.running = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pass?.catch(() => undefined);
  }

  /** One pass over every rule; returns the rows deleted per table, or null when another replica prunes. */
  async pruneOnce(): Promise<Record<string, number> | null> {
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
            if (deleted < this.options.batchSize || (this.pass !== null && !this.running)) break;
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

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.pass = this.pruneOnce()
        .then((pruned) => {
          const total = Object.values(pruned ?? {}).reduce((a, b) => a + b, 0);
          if (total > 0) this.options.log.info({ pruned }, 'retention: expired bookkeeping rows deleted');
        })
        .catch((error: unknown) => this.options.log.warn({ err: error }, 'retention pass failed; retried at the next interval'))
        .finally(() => {
          this.pass = null;
          this.schedule();
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }
}
