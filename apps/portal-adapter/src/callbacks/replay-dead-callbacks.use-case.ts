import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import { DataSource } from 'typeorm';
import { PortalAdapterMetrics } from '../portal-adapter.metrics';
import { CallbackDeliveriesRepository, type DeadCallbackFilter, type ReplayedCallback } from './callback-deliveries.repository';

export interface ReplayDeadCallbacksCommand {
  filter: DeadCallbackFilter;
  /** The operator asked for every dead letter (no filter); recorded in the log. */
  all: boolean;
  limit: number;
}

/**
 * An operator replays up to `limit` dead-lettered callbacks matching the filter, oldest first; rows another
 * replay holds are skipped. Each moves as in ReplayDeadCallback.
 */
@Injectable()
export class ReplayDeadCallbacks {
  private readonly log: Logger;

  constructor(
    private readonly dataSource: DataSource,
    private readonly deliveries: CallbackDeliveriesRepository,
    private readonly metrics: PortalAdapterMetrics,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'operator-api' });
  }

  async execute({ filter, all, limit }: ReplayDeadCallbacksCommand): Promise<ReplayedCallback[]> {
    const replayed = await this.dataSource.transaction((manager) => this.deliveries.replayOldestDead(manager, filter, limit));
    for (const r of replayed) this.metrics.callbackReplays.inc({ partner: r.partnerId });
    this.log.warn({ filter: { ...filter, all }, limit, count: replayed.length }, 'operator replayed dead-lettered callbacks');
    return replayed;
  }
}
