import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Metrics, type Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import { WorkerLoop } from '@labsync/worker';
import { MarkStalledCorrelations } from './mark-stalled-correlations.use-case';
import { STALL_SETTINGS, watchedReasons, type StallSettings } from './stall-settings';
import { StallMetrics } from './stall-metrics';

/** Upper bound of batches per reason in one sweep, so one sweep after a long outage still ends. */
const MAX_BATCHES_PER_SWEEP = 50;

/**
 * Every STALL_SWEEP_INTERVAL_MS, marks the correlations whose wait for the lab is overdue. Runs in every
 * replica: rows are claimed with SKIP LOCKED, so replicas share the work instead of electing a leader, and
 * the sweep goes on when one of them stops.
 */
@Injectable()
export class StalledSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log: Logger;
  private readonly loop: WorkerLoop;
  private stopped = false;

  constructor(
    private readonly markStalled: MarkStalledCorrelations,
    private readonly metrics: StallMetrics,
    @Inject(STALL_SETTINGS) private readonly settings: StallSettings,
    @Inject(LOGGER) logger: Logger,
    registry: Metrics,
  ) {
    this.log = logger.child({ component: 'stalled' });
    const intervalMs = settings.sweepIntervalMs;
    this.loop = new WorkerLoop({
      name: 'stalled-sweeper',
      run: async () => {
        await this.sweepOnce();
      },
      firstRunAfterMs: intervalMs,
      idleRecheckMs: intervalMs,
      // A failed sweep waits for the next interval, like a successful one.
      backoff: { baseMs: intervalMs, maxMs: intervalMs, jitter: 'none' },
      onFailure: (error) => this.log.warn({ err: error }, 'stall sweep failed; retried next interval'),
      log: this.log,
      metrics: registry,
    });
  }

  onApplicationBootstrap(): void {
    const reasons = watchedReasons(this.settings);
    this.log.info({ overdueAfterMs: this.settings.overdueAfterMs, sweepIntervalMs: this.settings.sweepIntervalMs }, reasons.length ? 'stall sweeper started' : 'stall detection is off');
    if (reasons.length > 0) this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
  }

  /** One sweep over every watched reason, batch after batch until nothing overdue is left; returns how many were marked. */
  async sweepOnce(): Promise<number> {
    let marked = 0;
    try {
      for (const reason of watchedReasons(this.settings)) {
        for (let batch = 0; batch < MAX_BATCHES_PER_SWEEP && !this.stopped; batch++) {
          const result = await this.markStalled.execute({ reason });
          marked += result.marked.length;
          if (result.locked < this.settings.batchSize) break;
        }
      }
      this.metrics.sweeps.inc({ outcome: 'ok' });
      return marked;
    } catch (error) {
      this.metrics.sweeps.inc({ outcome: 'error' });
      throw error;
    }
  }
}
