import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Metrics, type Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import { WorkerLoop } from '@labsync/worker';
import { PORTAL_ADAPTER_CONFIG, type PortalAdapterConfig } from '../config/portal-adapter-config';
import { DetectUnconfirmedRequests } from './detect-unconfirmed-requests.use-case';

/** Runs the detector every UNCONFIRMED_CHECK_INTERVAL_MS in every replica; an advisory lock lets one pass run at a time. */
@Injectable()
export class UnconfirmedRequestsWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log: Logger;
  private readonly loop: WorkerLoop;

  constructor(
    private readonly detect: DetectUnconfirmedRequests,
    @Inject(PORTAL_ADAPTER_CONFIG) private readonly config: PortalAdapterConfig,
    @Inject(LOGGER) logger: Logger,
    metrics: Metrics,
  ) {
    this.log = logger.child({ component: 'unconfirmed-requests' });
    const intervalMs = config.unconfirmedCheckIntervalMs;
    this.loop = new WorkerLoop({
      name: 'unconfirmed-requests',
      run: async () => {
        await this.detect.execute();
      },
      firstRunAfterMs: intervalMs,
      idleRecheckMs: intervalMs,
      // A failed check waits for the next interval, like a successful one.
      backoff: { baseMs: intervalMs, maxMs: intervalMs, jitter: 'none' },
      onFailure: (error) => this.log.warn({ err: error }, 'unconfirmed-request check failed; retried next interval'),
      log: this.log,
      metrics,
    });
  }

  onApplicationBootstrap(): void {
    this.log.info({ unconfirmedAfterMs: this.config.unconfirmedAfterMs, checkIntervalMs: this.config.unconfirmedCheckIntervalMs }, 'unconfirmed-request detector started');
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }
}
