import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import { PORTAL_ADAPTER_CONFIG, type PortalAdapterConfig } from '../config/portal-adapter-config';
import { DetectUnconfirmedRequests } from './detect-unconfirmed-requests.use-case';

/** Runs the detector every UNCONFIRMED_CHECK_INTERVAL_MS in every replica; an advisory lock lets one pass run at a time. */
@Injectable()
export class UnconfirmedRequestsWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log: Logger;
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<unknown> | null = null;
  private stopped = false;

  constructor(
    private readonly detect: DetectUnconfirmedRequests,
    @Inject(PORTAL_ADAPTER_CONFIG) private readonly config: PortalAdapterConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'unconfirmed-requests' });
  }

  onApplicationBootstrap(): void {
    this.log.info({ unconfirmedAfterMs: this.config.unconfirmedAfterMs, checkIntervalMs: this.config.unconfirmedCheckIntervalMs }, 'unconfirmed-request detector started');
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current?.catch(() => undefined);
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.current = this.detect.execute();
      this.current
        .catch((error: unknown) => this.log.warn({ err: error }, 'unconfirmed-request check failed; retried next interval'))
        .finally(() => {
          this.current = null;
          if (!this.stopped) this.schedule();
        });
    }, this.config.unconfirmedCheckIntervalMs);
    this.timer.unref();
  }
}
